package reporter

import (
	"bytes"
	"slices"
	"sync"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// statTable aggregates stat rows. The writer goroutine records into the
// active map; every interval the printer swaps in the spare map under the
// lock and prints the old one without it, so recording never waits on
// printing.
type statTable struct {
	d     *Disk
	mu    sync.Mutex
	cur   map[string]*digest.StatRow
	spare map[string]*digest.StatRow
	keys  map[*digest.Layout]int // distinct keys per layout in cur
	// overflowed: layouts whose overflow row cur has; the first overflow
	// of an interval is logged.
	overflowed map[*digest.Layout]bool
	kbuf       []byte // writer's scratch key
	// The writer's last key and its row in cur, valid while gen (which
	// print advances) is lastGen: spans of one key come in runs, and
	// comparing the key costs less than hashing it.
	gen, lastGen uint64
	lastKey      []byte
	lastRow      *digest.StatRow

	enc   digest.Encoder // printer's encoder
	files map[fileKey]*outFile
	quit  chan struct{}
	done  chan struct{}
}

func newStatTable(d *Disk) *statTable {
	return &statTable{
		d:          d,
		cur:        map[string]*digest.StatRow{},
		spare:      map[string]*digest.StatRow{},
		keys:       map[*digest.Layout]int{},
		overflowed: map[*digest.Layout]bool{},
		enc:        digest.Encoder{App: d.cfg.App, JSON: d.cfg.JSON, Newline: d.cfg.Newline},
		files:      map[fileKey]*outFile{},
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// record adds s to its row. Called by the writer goroutine only.
func (t *statTable) record(s *span.Span, l *digest.Layout, loadTest bool) {
	success := digest.Success(s, l)
	k := append(t.kbuf[:0], l.Name...)
	k = append(k, 0, flag(success), flag(loadTest))
	k = t.d.enc.AppendStatKey(k, s, l)
	t.kbuf = k
	ms := s.Duration().Milliseconds()

	t.mu.Lock()
	var row *digest.StatRow
	if t.lastRow != nil && t.lastGen == t.gen && bytes.Equal(k, t.lastKey) {
		row = t.lastRow
	} else if row = t.cur[string(k)]; row != nil {
		t.remember(k, row)
	} else {
		if t.keys[l] >= t.d.cfg.MaxStatKeys {
			t.d.c.statOverflow.Add(1)
			if !t.overflowed[l] {
				t.overflowed[l] = true
				t.d.cfg.SelfLog.Limited("stat overflow "+l.Name, time.Minute, LevelWarn,
					"%s has %d keys this interval, the limit (SOFA_TRACER_STAT_MAX_KEYS): spans with new keys are counted in the %s row until the interval ends",
					l.StatFile(), t.d.cfg.MaxStatKeys, digest.OverflowValue)
			}
			ok := l.Name + "\x00" + string([]byte{flag(success), flag(loadTest)}) + t.d.enc.OverflowKey(l)
			row = t.cur[ok]
			if row == nil {
				row = &digest.StatRow{Layout: l, Key: t.d.enc.OverflowKey(l), Success: success, LoadTest: loadTest}
				t.cur[ok] = row
			}
		} else {
			t.keys[l]++
			row = &digest.StatRow{Layout: l, Key: string(k[len(l.Name)+3:]), Success: success, LoadTest: loadTest}
			t.cur[string(k)] = row
			t.remember(k, row)
		}
	}
	row.Count++
	row.CostMs += ms
	t.mu.Unlock()
}

// remember makes row, cur's row of key k, the last row.
func (t *statTable) remember(k []byte, row *digest.StatRow) {
	t.lastKey = append(t.lastKey[:0], k...)
	t.lastRow, t.lastGen = row, t.gen
}

func flag(b bool) byte {
	if b {
		return 'Y'
	}
	return 'N'
}

func (t *statTable) run() {
	defer close(t.done)
	tick := time.NewTicker(t.d.cfg.StatInterval)
	defer tick.Stop()
	t.d.retain()
	retained := t.d.cfg.Now()
	for {
		select {
		case <-tick.C:
			t.print()
			if now := t.d.cfg.Now(); now.Sub(retained) >= time.Hour || now.Before(retained) {
				t.d.retain()
				retained = now
			}
		case <-t.quit:
			t.print()
			for _, f := range t.files {
				f.close()
			}
			return
		}
	}
}

// stop prints the last interval and closes the stat files. The writer
// must have stopped.
func (t *statTable) stop() {
	select {
	case <-t.quit:
	default:
		close(t.quit)
	}
	<-t.done
}

// print swaps the maps and writes every row of the finished interval.
func (t *statTable) print() {
	t.mu.Lock()
	old := t.cur
	t.cur, t.spare = t.spare, nil
	t.gen++
	clear(t.keys)
	clear(t.overflowed)
	t.mu.Unlock()

	rows := make([]*digest.StatRow, 0, len(old))
	for _, r := range old {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *digest.StatRow) int {
		if c := compare(a.Layout.Name, b.Layout.Name); c != 0 {
			return c
		}
		return compare(a.Key, b.Key)
	})
	now := t.d.cfg.Now()
	for _, r := range rows {
		f := t.file(r.Layout.StatFile(), r.LoadTest)
		f.buf = t.enc.AppendStat(f.buf, now, r)
		f.lines++
	}
	for _, f := range t.files {
		n := f.lines
		if len(f.buf) > 0 && f.write() {
			t.d.c.statRows.Add(n)
		}
	}
	clear(old)
	t.mu.Lock()
	t.spare = old
	t.mu.Unlock()
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (t *statTable) file(name string, loadTest bool) *outFile {
	k := fileKey{name, loadTest}
	if f := t.files[k]; f != nil {
		return f
	}
	f := newOutFile(t.d, name, loadTest, false)
	t.files[k] = f
	return f
}

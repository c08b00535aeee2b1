package logs

import (
	"cmp"
	"slices"
	"strings"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// Interval is one stat key's calls in one print interval.
type Interval struct {
	TimeMs    int64   `json:"timeMs"`
	Calls     int64   `json:"calls"`
	Errors    int64   `json:"errors"`
	ErrorRate float64 `json:"errorRate"`
	MeanMs    float64 `json:"meanMs"`
}

// StatSeries is one stat key of one stat file kind over time.
type StatSeries struct {
	Layout    string       `json:"layout"`
	Key       []logline.KV `json:"key"`
	LoadTest  bool         `json:"loadTest"`
	Calls     int64        `json:"calls"`
	Errors    int64        `json:"errors"`
	ErrorRate float64      `json:"errorRate"`
	MeanMs    float64      `json:"meanMs"`
	Intervals []Interval   `json:"intervals"`
	totalMs   int64
	byTime    map[int64]*ivAcc
}

type ivAcc struct{ calls, errs, total int64 }

// KeyText is the key as "k=v k=v".
func (s *StatSeries) KeyText() string {
	parts := make([]string, len(s.Key))
	for i, kv := range s.Key {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

// ReadStats reads the stat files among files into one series per key.
func ReadStats(files []source.File, c *Counts) []*StatSeries {
	series := map[string]*StatSeries{}
	var p logline.Parser
	var st logline.Stat
	for _, f := range files {
		if f.Kind != source.Stat {
			continue
		}
		rc, err := source.Open(f)
		if err != nil {
			c.Errors.Add(1)
			continue
		}
		c.Files.Add(1)
		rd := source.NewReader(rc, 0)
		for {
			line, _, ok := rd.Next()
			if !ok {
				break
			}
			if len(line) == 0 {
				continue
			}
			c.Lines.Add(1)
			if p.Stat(line, &st) != nil {
				c.Corrupt.Add(1)
				continue
			}
			kv := slices.Clone(st.Key)
			slices.SortFunc(kv, func(a, b logline.KV) int { return strings.Compare(a.Key, b.Key) })
			s := &StatSeries{Layout: f.Layout, Key: kv, LoadTest: st.LoadTest || f.Shadow}
			id := s.Layout + "\x00" + s.KeyText()
			if s.LoadTest {
				id += "\x00T"
			}
			if old, ok := series[id]; ok {
				s = old
			} else {
				s.byTime = map[int64]*ivAcc{}
				series[id] = s
			}
			iv := s.byTime[st.TimeMs]
			if iv == nil {
				iv = &ivAcc{}
				s.byTime[st.TimeMs] = iv
			}
			iv.calls += st.Count
			iv.total += st.TotalMs
			s.Calls += st.Count
			s.totalMs += st.TotalMs
			if !st.Success {
				iv.errs += st.Count
				s.Errors += st.Count
			}
		}
		rc.Close()
	}
	out := make([]*StatSeries, 0, len(series))
	for _, s := range series {
		for t, iv := range s.byTime {
			s.Intervals = append(s.Intervals, Interval{TimeMs: t, Calls: iv.calls, Errors: iv.errs,
				ErrorRate: ratio(iv.errs, iv.calls), MeanMs: ratio(iv.total, iv.calls)})
		}
		slices.SortFunc(s.Intervals, func(a, b Interval) int { return cmp.Compare(a.TimeMs, b.TimeMs) })
		s.ErrorRate, s.MeanMs = ratio(s.Errors, s.Calls), ratio(s.totalMs, s.Calls)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *StatSeries) int {
		if c := strings.Compare(a.Layout, b.Layout); c != 0 {
			return c
		}
		return strings.Compare(a.KeyText(), b.KeyText())
	})
	return out
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

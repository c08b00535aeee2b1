// Package rebuild puts the spans of one trace, read from the digest logs
// of many services and hosts, back into a tree by SOFATracer's rules, and
// finds clock skew.
package rebuild

import (
	"cmp"
	"slices"
	"strings"
)

// Field is one key and value of a digest line, in line order.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Span is one span of a trace: what its digest line said, and where the
// tree put it.
type Span struct {
	TraceID    string  `json:"traceId"`
	SpanID     string  `json:"spanId"`
	ParentID   string  `json:"parentId"` // the span it hangs under, "" for a root
	Parent     int     `json:"parent"`   // index of that span in Trace.Spans, -1 for a root
	Depth      int     `json:"depth"`
	Service    string  `json:"service"`
	Operation  string  `json:"operation"`
	Kind       string  `json:"kind"`
	Result     string  `json:"resultCode"`
	StartMs    int64   `json:"startMs"`
	EndMs      int64   `json:"endMs"`
	DurationMs int64   `json:"durationMs"`
	Error      bool    `json:"error"`
	ErrorText  string  `json:"errorText,omitempty"`
	Missing    bool    `json:"missing"`
	Shadow     bool    `json:"shadow,omitempty"`
	Host       string  `json:"host,omitempty"`
	File       string  `json:"file,omitempty"`
	Layout     string  `json:"layout,omitempty"`
	Skew       bool    `json:"skew"`              // starts before or ends after its parent
	SkewMs     int64   `json:"skewMs,omitempty"`  // by how much
	ShiftMs    int64   `json:"shiftMs"`           // the corrected view moves it by this much
	Restart    bool    `json:"restart,omitempty"` // root of a trace started again past depth 100
	Children   int     `json:"children"`
	Fields     []Field `json:"fields,omitempty"`
	Offset     int64   `json:"-"`
	FileNo     int     `json:"-"` // the index's number of File, -1 when unknown
	up         *Span
	kids       []*Span
	hasUp      bool
}

// Link says that trace New was started because span Span of trace Old was
// more than 100 levels deep (tracer-self.log records it).
type Link struct{ Old, Span, New string }

// Trace is a rebuilt trace.
type Trace struct {
	TraceID    string   `json:"traceId"`
	Spans      []*Span  `json:"spans"`
	StartMs    int64    `json:"startMs"`
	DurationMs int64    `json:"durationMs"`
	Error      bool     `json:"error"`
	Services   []string `json:"services"`
	Skew       bool     `json:"skew"`
	Missing    int      `json:"missing"`
}

type gkey struct{ trace, id string }

func (s *Span) hostKey() string {
	if s.Host != "" {
		return s.Host
	}
	return s.Service
}

// Build rebuilds trace id from spans (of id and of the traces links say
// it continues in). Span ids are hierarchical: "0.1.2" hangs under "0.1";
// an RPC server sharing its client's id hangs under that client; a
// parent that no line has is added as a missing placeholder.
func Build(id string, spans []*Span, links []Link) *Trace {
	spans = dedupe(spans)
	groups := make(map[gkey][]*Span, len(spans))
	var order []gkey
	for _, s := range spans {
		if s.DurationMs < 0 {
			s.DurationMs = 0
		}
		s.StartMs = s.EndMs - s.DurationMs
		k := gkey{s.TraceID, s.SpanID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	cont := map[string]Link{}
	for _, l := range links {
		cont[l.New] = l
	}
	var all []*Span
	setUp := func(s, p *Span) { s.up, s.hasUp = p, true }
	var place func(k gkey) []*Span
	place = func(k gkey) []*Span {
		if g, ok := groups[k]; ok {
			return g
		}
		ph := &Span{TraceID: k.trace, SpanID: k.id, Missing: true, Service: "?", Operation: "(missing)"}
		groups[k] = []*Span{ph}
		order = append(order, k)
		return groups[k]
	}
	for i := 0; i < len(order); i++ { // order grows as placeholders are added
		k := order[i]
		g := groups[k]
		slices.SortStableFunc(g, func(a, b *Span) int { return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)) })
		head := g[0]
		for _, s := range g[1:] {
			setUp(s, head) // a server sharing its client's id, or a duplicate id
		}
		pid, ok := parentID(k.id)
		var pk gkey
		switch {
		case ok:
			pk = gkey{k.trace, pid}
		case k.trace != id:
			l, linked := cont[k.trace]
			if !linked {
				continue
			}
			pk = gkey{l.Old, l.Span}
			for _, s := range g {
				s.Restart = true
			}
		default:
			continue
		}
		setUp(head, anchor(place(pk), head))
	}
	for _, k := range order {
		all = append(all, groups[k]...)
	}
	t := &Trace{TraceID: id, Spans: make([]*Span, 0, len(all))}
	var roots []*Span
	for _, s := range all {
		if s.hasUp {
			s.up.kids = append(s.up.kids, s)
		} else {
			roots = append(roots, s)
		}
	}
	for _, s := range all {
		if s.Missing {
			cover(s)
		}
	}
	byStart := func(a, b *Span) int {
		if c := cmp.Compare(a.StartMs, b.StartMs); c != 0 {
			return c
		}
		if c := compareIDs(a.SpanID, b.SpanID); c != 0 {
			return c
		}
		return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind))
	}
	slices.SortStableFunc(roots, byStart)
	var walk func(s *Span, parent, depth int)
	walk = func(s *Span, parent, depth int) {
		s.Parent, s.Depth = parent, depth
		s.ParentID = ""
		if parent >= 0 {
			s.ParentID = t.Spans[parent].SpanID
		}
		me := len(t.Spans)
		t.Spans = append(t.Spans, s)
		kids := s.kids
		s.kids, s.up, s.hasUp = nil, nil, false
		slices.SortStableFunc(kids, byStart)
		s.Children = len(kids)
		for _, c := range kids {
			walk(c, me, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, -1, 0)
	}
	t.summarize()
	return t
}

// cover gives a placeholder the time range of what hangs under it.
func cover(s *Span) (int64, int64) {
	if !s.Missing {
		return s.StartMs, s.EndMs
	}
	first := true
	for _, c := range s.kids {
		a, b := cover(c)
		if first || a < s.StartMs {
			s.StartMs = a
		}
		if first || b > s.EndMs {
			s.EndMs = b
		}
		first = false
	}
	s.DurationMs = s.EndMs - s.StartMs
	return s.StartMs, s.EndMs
}

// anchor picks the span of a group that a child hangs under: the server
// of a shared id (the one on the child's service when there are several),
// else a span of the child's service, else the group's first span.
func anchor(g []*Span, child *Span) *Span {
	var server *Span
	for _, s := range g {
		if s.Kind == "server" || s.Kind == "consumer" {
			if server == nil || s.hostKey() == child.hostKey() {
				server = s
			}
		}
	}
	if server != nil && (server.hostKey() == child.hostKey() || !hasHost(g, child.hostKey())) {
		return server
	}
	for _, s := range g {
		if s.hostKey() == child.hostKey() {
			return s
		}
	}
	if server != nil {
		return server
	}
	return g[0]
}

func hasHost(g []*Span, h string) bool {
	for _, s := range g {
		if s.hostKey() == h {
			return true
		}
	}
	return false
}

// kindRank orders a shared id's spans: the client (the caller) first.
func kindRank(k string) int {
	switch k {
	case "client", "producer":
		return 0
	case "server", "consumer":
		return 1
	}
	return 2
}

func parentID(id string) (string, bool) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 {
		return "", false
	}
	return id[:i], true
}

// compareIDs orders dotted ids numerically per segment.
func compareIDs(a, b string) int {
	for a != "" && b != "" {
		x, ra, _ := strings.Cut(a, ".")
		y, rb, _ := strings.Cut(b, ".")
		if len(x) != len(y) {
			return cmp.Compare(len(x), len(y))
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return cmp.Compare(len(a), len(b))
}

// dedupe drops a line read twice (the same file given twice, a copy).
func dedupe(spans []*Span) []*Span {
	type key struct {
		trace, id, kind, svc, op string
		end, dur                 int64
	}
	seen := make(map[key]bool, len(spans))
	out := spans[:0]
	for _, s := range spans {
		k := key{s.TraceID, s.SpanID, s.Kind, s.Service, s.Operation, s.EndMs, s.DurationMs}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// summarize sets the trace's totals, flags skew and computes the
// corrected view.
func (t *Trace) summarize() {
	svc := map[string]bool{}
	first := true
	var end int64
	for _, s := range t.Spans {
		if s.Missing {
			t.Missing++
		} else {
			if first || s.StartMs < t.StartMs {
				t.StartMs = s.StartMs
			}
			if first || s.EndMs > end {
				end = s.EndMs
			}
			first = false
			svc[s.Service] = true
		}
		t.Error = t.Error || s.Error
	}
	t.DurationMs = end - t.StartMs
	for k := range svc {
		t.Services = append(t.Services, k)
	}
	slices.Sort(t.Services)
	for _, s := range t.Spans {
		if s.Parent < 0 || s.Missing {
			continue
		}
		p := t.Spans[s.Parent]
		if p.Missing {
			continue
		}
		// Times are whole milliseconds (end, and end minus cost): 1 ms is noise.
		early, late := p.StartMs-s.StartMs, s.EndMs-p.EndMs
		if early > 1 || late > 1 {
			s.Skew, s.SkewMs = true, max(early, late)
			t.Skew = true
		}
		// Corrected view: at a host boundary, move the child's subtree so it
		// fits its parent (centred when it is shorter, else aligned at the
		// start); on the same host keep the parent's shift.
		if s.hostKey() == p.hostKey() {
			s.ShiftMs = p.ShiftMs
			continue
		}
		ps, pe := p.StartMs+p.ShiftMs, p.EndMs+p.ShiftMs
		switch {
		case s.StartMs >= ps-1 && s.EndMs <= pe+1: // fits, within the 1 ms of rounding
			s.ShiftMs = 0
		case s.DurationMs >= pe-ps:
			s.ShiftMs = ps - s.StartMs
		default:
			s.ShiftMs = ps + (pe-ps-s.DurationMs)/2 - s.StartMs
		}
	}
}

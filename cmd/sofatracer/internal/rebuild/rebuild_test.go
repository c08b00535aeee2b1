package rebuild

import "testing"

func sp(trace, id, svc, kind string, end, dur int64) *Span {
	return &Span{TraceID: trace, SpanID: id, Service: svc, Kind: kind, EndMs: end, DurationMs: dur}
}

func parents(t *Trace) map[string]string {
	m := map[string]string{}
	for _, s := range t.Spans {
		p := ""
		if s.Parent >= 0 {
			q := t.Spans[s.Parent]
			p = q.TraceID + "/" + q.SpanID + "/" + q.Service
		}
		m[s.TraceID+"/"+s.SpanID+"/"+s.Service] = p
	}
	return m
}

func TestDepthRestartAndDuplicates(t *testing.T) {
	spans := []*Span{
		sp("A", "0", "a", "server", 100, 100),
		sp("A", "0.1", "a", "", 90, 50),
		sp("A", "0.1", "a", "", 90, 50), // the same line read twice
		sp("B", "0", "a", "", 80, 10),   // trace B continues A past depth 100
		sp("B", "0.1", "b", "client", 79, 5),
		sp("B", "0.1", "c", "server", 78, 3),
	}
	tr := Build("A", spans, []Link{{Old: "A", Span: "0.1", New: "B"}})
	want := map[string]string{
		"A/0/a": "", "A/0.1/a": "A/0/a", "B/0/a": "A/0.1/a", "B/0.1/b": "B/0/a", "B/0.1/c": "B/0.1/b",
	}
	got := parents(tr)
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s under %q, want %q", k, got[k], v)
		}
	}
	for _, s := range tr.Spans {
		if s.TraceID == "B" && s.SpanID == "0" && !s.Restart {
			t.Error("continuation root not marked")
		}
	}
}

func TestMissingChainAndRoots(t *testing.T) {
	tr := Build("T", []*Span{sp("T", "0.2.3.1", "x", "", 50, 10), sp("T", "0.5", "y", "", 60, 5)}, nil)
	got := parents(tr)
	want := map[string]string{"T/0/?": "", "T/0.2/?": "T/0/?", "T/0.2.3/?": "T/0.2/?", "T/0.2.3.1/x": "T/0.2.3/?", "T/0.5/y": "T/0/?"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s under %q, want %q (%v)", k, got[k], v, got)
		}
	}
	if tr.Missing != 3 || tr.Spans[0].StartMs != 40 || tr.Spans[0].EndMs != 60 {
		t.Errorf("missing %d, root %d-%d", tr.Missing, tr.Spans[0].StartMs, tr.Spans[0].EndMs)
	}
}

func TestSkewCorrection(t *testing.T) {
	p := sp("T", "0", "a", "client", 1000, 100) // 900-1000
	p.Host = "h1"
	c := sp("T", "0", "b", "server", 1550, 40) // 1510-1550: outside
	c.Host = "h2"
	l := sp("T", "0.1", "b", "", 1540, 10) // same host as the server
	l.Host = "h2"
	tr := Build("T", []*Span{p, c, l}, nil)
	if !tr.Skew || !c.Skew || c.SkewMs != 550 {
		t.Fatalf("skew %v %v %d", tr.Skew, c.Skew, c.SkewMs)
	}
	// centred: 900 + (100-40)/2 - 1510 = -580
	if c.ShiftMs != -580 || l.ShiftMs != -580 || p.ShiftMs != 0 {
		t.Errorf("shifts %d %d %d", p.ShiftMs, c.ShiftMs, l.ShiftMs)
	}
}

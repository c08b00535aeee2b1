package web

import (
	"net/http"
	"sort"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
)

// Edge is one caller → callee pair of services with its calls.
type Edge struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Calls  int64   `json:"calls"`
	Errors int64   `json:"errors"`
	MeanMs float64 `json:"meanMs"`
	total  int64
}

type graphCache struct {
	spans int
	nodes []string
	edges []*Edge
}

// maxGraphTraces bounds the work of one graph: the newest traces.
const maxGraphTraces = 20000

// Graph builds the service dependency graph from the newest traces: an
// edge for every span whose parent belongs to another service.
func (s *Server) Graph() ([]string, []*Edge) {
	nt, ns := s.idx.Len()
	s.mu.Lock()
	if g := s.graph; g != nil && g.spans == ns {
		s.mu.Unlock()
		return g.nodes, g.edges
	}
	s.mu.Unlock()
	edges := map[[2]string]*Edge{}
	nodes := map[string]bool{}
	for i := max(0, nt-maxGraphTraces); i < nt; i++ {
		id, spans := s.idx.Skeleton(i)
		t := rebuild.Build(id, spans, nil)
		for _, sp := range t.Spans {
			if sp.Missing {
				continue
			}
			nodes[sp.Service] = true
			if sp.Parent < 0 {
				continue
			}
			p := t.Spans[sp.Parent]
			if p.Missing || p.Service == sp.Service {
				continue
			}
			k := [2]string{p.Service, sp.Service}
			e := edges[k]
			if e == nil {
				e = &Edge{From: k[0], To: k[1]}
				edges[k] = e
			}
			e.Calls++
			e.total += sp.DurationMs
			if sp.Error {
				e.Errors++
			}
		}
	}
	g := &graphCache{spans: ns}
	for n := range nodes {
		g.nodes = append(g.nodes, n)
	}
	sort.Strings(g.nodes)
	for _, e := range edges {
		e.MeanMs = float64(e.total) / float64(e.Calls)
		g.edges = append(g.edges, e)
	}
	sort.Slice(g.edges, func(i, j int) bool {
		if g.edges[i].From != g.edges[j].From {
			return g.edges[i].From < g.edges[j].From
		}
		return g.edges[i].To < g.edges[j].To
	})
	s.mu.Lock()
	s.graph = g
	s.mu.Unlock()
	return g.nodes, g.edges
}

func (s *Server) graphHandler(w http.ResponseWriter, r *http.Request) {
	nodes, edges := s.Graph()
	if edges == nil {
		edges = []*Edge{}
	}
	if nodes == nil {
		nodes = []string{}
	}
	writeJSON(w, map[string]any{"nodes": nodes, "edges": edges})
}

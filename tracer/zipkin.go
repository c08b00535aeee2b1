package tracer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/span"
)

// DefaultZipkinBaseURL is SOFATracer's default zipkin.baseUrl.
const DefaultZipkinBaseURL = "http://localhost:9411/"

// WithZipkin also sends every sampled span to the Zipkin v2 collector at
// baseURL (spans are POSTed to baseURL + "/api/v2/spans"), alongside the
// log files, with gzip-compressed bodies when gzipped is true. The
// local service name is the tracer's app name, and losses are written to
// tracer-self.log; opts tune the reporter (package reporter/zipkin). The
// reporter starts with the first span and stops with Close; ZipkinStats
// gives its counters. Given more than once, or together with the
// environment, the last one wins.
//
// Env SOFA_TRACER_ZIPKIN_ENABLED, SOFA_TRACER_ZIPKIN_BASE_URL (default
// http://localhost:9411/), SOFA_TRACER_ZIPKIN_GZIPPED;
// com.alipay.sofa.tracer.zipkin.enabled, .baseUrl, .gzipped.
func WithZipkin(baseURL string, gzipped bool, opts ...zipkin.Option) Option {
	return func(c *config) error {
		if _, err := zipkin.SpansURL(baseURL); err != nil {
			return err
		}
		z := &lazyZipkin{baseURL: baseURL, opts: append([]zipkin.Option{zipkin.WithGzip(gzipped)}, opts...)}
		for i, r := range c.reporters {
			if _, ok := r.(*lazyZipkin); ok {
				c.reporters[i] = z
				return nil
			}
		}
		c.reporters = append(c.reporters, z)
		return nil
	}
}

// ZipkinStats returns the counters of the tracer's Zipkin reporter (see
// WithZipkin); ok is false when the tracer has none.
func (t *Tracer) ZipkinStats() (s zipkin.Stats, ok bool) {
	for _, r := range t.cfg.reporters {
		if z, isZ := r.(*lazyZipkin); isZ {
			if zr := z.r.Load(); zr != nil {
				return zr.Stats(), true
			}
			return zipkin.Stats{}, true
		}
	}
	return zipkin.Stats{}, false
}

// lazyZipkin starts the Zipkin reporter when the first span arrives: only
// then are the tracer's app name and tracer-self.log known (options are
// applied before New opens them), and a New that fails leaves no
// goroutine behind.
type lazyZipkin struct {
	baseURL string
	opts    []zipkin.Option
	r       atomic.Pointer[zipkin.Reporter]

	mu     sync.Mutex
	closed bool
	err    error
}

func (z *lazyZipkin) Report(s *span.Span) {
	r := z.r.Load()
	if r == nil {
		if r = z.start(s); r == nil {
			return
		}
	}
	r.Report(s)
}

func (z *lazyZipkin) start(s *span.Span) *zipkin.Reporter {
	z.mu.Lock()
	defer z.mu.Unlock()
	if r := z.r.Load(); r != nil || z.closed || z.err != nil {
		return r
	}
	opts := z.opts
	var self *reporter.SelfLog
	if t, ok := s.Tracer().(*Tracer); ok {
		self = t.self
		opts = append([]zipkin.Option{zipkin.WithServiceName(t.cfg.app), zipkin.WithSelfLog(self)}, opts...)
	}
	r, err := zipkin.NewReporter(z.baseURL, opts...)
	if err != nil { // options were checked by WithZipkin; only a bad reporter option gets here
		z.err = err
		self.Printf(reporter.LevelError, "zipkin reporter not started: %v", err)
		return nil
	}
	self.Printf(reporter.LevelInfo, "zipkin reporter started: %s", r.URL())
	z.r.Store(r)
	return r
}

func (z *lazyZipkin) Close() error {
	z.mu.Lock()
	z.closed = true
	z.mu.Unlock()
	if r := z.r.Load(); r != nil {
		return r.Close()
	}
	return nil
}

// zipkinEnvOptions reads SOFA_TRACER_ZIPKIN_ENABLED, _BASE_URL and
// _GZIPPED; envOptions appends what it returns.
func zipkinEnvOptions(opts []Option, errs []error, get func(string) (string, bool)) ([]Option, []error) {
	v, ok := get("SOFA_TRACER_ZIPKIN_ENABLED")
	if !ok {
		return opts, errs
	}
	enabled, err := strconv.ParseBool(v)
	if err != nil {
		return opts, append(errs, fmt.Errorf("SOFA_TRACER_ZIPKIN_ENABLED=%q is not a boolean", v))
	}
	if !enabled {
		return opts, errs
	}
	base := DefaultZipkinBaseURL
	if v, ok := get("SOFA_TRACER_ZIPKIN_BASE_URL"); ok {
		base = v
	}
	if _, err := zipkin.SpansURL(base); err != nil {
		errs = append(errs, fmt.Errorf("SOFA_TRACER_ZIPKIN_BASE_URL: %w", err))
	}
	gz := false
	if v, ok := get("SOFA_TRACER_ZIPKIN_GZIPPED"); ok {
		if gz, err = strconv.ParseBool(strings.ToLower(v)); err != nil {
			errs = append(errs, errors.New("SOFA_TRACER_ZIPKIN_GZIPPED="+strconv.Quote(v)+" is not a boolean"))
		}
	}
	return append(opts, WithZipkin(base, gz)), errs
}

package tracer

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// A Sampler decides, once per trace at its root span, whether the trace's
// digest lines are written. The decision travels with the context
// (X-B3-Sampled, sample=, samp), so downstream services follow it.
// Unsampled spans still count in the stat logs.
type Sampler interface {
	Sample(traceID, operation string) bool
}

// SamplerFunc adapts a function to Sampler (SOFATracer's custom rule).
type SamplerFunc func(traceID, operation string) bool

// Sample implements Sampler.
func (f SamplerFunc) Sample(traceID, operation string) bool { return f(traceID, operation) }

// PercentageSampler samples pct percent (0 to 100, fractions allowed) of
// traces. The decision is a hash of the TraceId, so every service that
// sees the same TraceId with the same percentage decides the same way.
func PercentageSampler(pct float64) (Sampler, error) {
	if math.IsNaN(pct) || pct < 0 || pct > 100 {
		return nil, fmt.Errorf("tracer: sampler percentage %v is outside 0..100", pct)
	}
	return percentage(uint64(math.Round(pct * 10000))), nil
}

// percentage is the share of traces kept, in millionths.
type percentage uint64

func (p percentage) Sample(traceID, _ string) bool {
	switch {
	case p >= 1_000_000:
		return true
	case p == 0:
		return false
	}
	return fnv1a(traceID)%1_000_000 < uint64(p)
}

func fnv1a(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	// Mix so that TraceIds differing only in their last digits spread.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// RateLimitingSampler samples at most perSecond traces per second (a
// token bucket that holds one second's worth).
func RateLimitingSampler(perSecond float64) (Sampler, error) {
	if math.IsNaN(perSecond) || perSecond < 0 {
		return nil, fmt.Errorf("tracer: sampler rate %v must be >= 0", perSecond)
	}
	return &rateLimiter{rate: perSecond, tokens: perSecond, max: math.Max(perSecond, 1), last: time.Now()}, nil
}

type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	max    float64
	last   time.Time
}

func (r *rateLimiter) Sample(string, string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.tokens = math.Min(r.max, r.tokens+now.Sub(r.last).Seconds()*r.rate)
	r.last = now
	if r.tokens >= 1 {
		r.tokens--
		return true
	}
	return false
}

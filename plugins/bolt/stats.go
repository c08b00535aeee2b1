package bolt

import "sync/atomic"

// ClientStats are counters of a Client since it was created.
type ClientStats struct {
	// Calls is the number of requests written, oneway ones included.
	Calls uint64
	// Oneway is the number of oneway requests written.
	Oneway uint64
	// Timeouts is the number of calls abandoned because their context ended.
	Timeouts uint64
	// LateResponses is the number of responses dropped because no call was
	// waiting for them (typically their caller had timed out).
	LateResponses uint64
	// HeartbeatsSent is the number of heartbeats written.
	HeartbeatsSent uint64
	// HeartbeatAcks is the number of heartbeat acks received.
	HeartbeatAcks uint64
	// Pending is the number of calls waiting for a response right now.
	Pending int
}

type clientCounters struct {
	calls, oneway, timeouts, late, hbSent, hbAcks atomic.Uint64
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() ClientStats {
	c.mu.Lock()
	pending := len(c.pending)
	c.mu.Unlock()
	return ClientStats{
		Calls:          c.stats.calls.Load(),
		Oneway:         c.stats.oneway.Load(),
		Timeouts:       c.stats.timeouts.Load(),
		LateResponses:  c.stats.late.Load(),
		HeartbeatsSent: c.stats.hbSent.Load(),
		HeartbeatAcks:  c.stats.hbAcks.Load(),
		Pending:        pending,
	}
}

// ServerStats are counters of a Server since it was created.
type ServerStats struct {
	// Accepted is the number of connections accepted.
	Accepted uint64
	// Active is the number of connections open right now.
	Active int
	// Requests is the number of requests handled, oneway ones included.
	Requests uint64
	// Heartbeats is the number of heartbeats answered.
	Heartbeats uint64
	// Errors is the number of requests whose handler returned an error.
	Errors uint64
	// Panics is the number of handler (or interceptor) panics recovered.
	Panics uint64
	// FrameErrors is the number of connections closed for a malformed frame.
	FrameErrors uint64
}

type serverCounters struct {
	accepted, requests, heartbeats, errors, panics, frameErrors atomic.Uint64
}

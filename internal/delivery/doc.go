// Package delivery is the machinery the network reporters (reporter/zipkin
// and sofaotel/otlp) share: the non-blocking intake between Report and a
// reporter's goroutine with its counters and Stats, the close with a
// timeout, rate-limited self-log records, a FIFO backlog and the
// validation of options.
package delivery

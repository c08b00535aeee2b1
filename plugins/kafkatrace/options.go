package kafkatrace

// Option configures NewHooks.
type Option func(*options)

type options struct {
	sendOp string
}

// WithOperationName sets the operation name of the send spans
// ("mq-kafka-send", Java's, by default).
func WithOperationName(name string) Option {
	return func(o *options) { o.sendOp = name }
}

package delivery

import (
	"fmt"
	"time"
)

// Positive returns an option of a reporter's package pkg ("zipkin",
// "otlp") that calls set, or fails when v is not positive.
func Positive[O any, V int | time.Duration](pkg, what string, v V, set func(*O)) func(*O) error {
	return func(o *O) error {
		if v <= 0 {
			return fmt.Errorf("%s: %s %v must be positive", pkg, what, v)
		}
		set(o)
		return nil
	}
}

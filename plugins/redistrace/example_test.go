package redistrace_test

import (
	"context"
	"log"
	"os"

	"github.com/opentracing/opentracing-go"
	"github.com/redis/go-redis/v9"

	"github.com/sofatracer/sofatracer-go/plugins/redistrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Trace a client's commands into redis-digest.log.
func ExampleNewHook() {
	t, err := tracer.New(tracer.WithAppName("orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("SOFA_TEST_REDIS_ADDR")})
	defer rdb.Close()
	rdb.AddHook(redistrace.NewHook(t))

	sp := t.StartSpan("checkout")
	defer sp.Finish()
	ctx := opentracing.ContextWithSpan(context.Background(), sp)
	rdb.Set(ctx, "cart:42", "3 items", 0) // span 0.1, method SET
}

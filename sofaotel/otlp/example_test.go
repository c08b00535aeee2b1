package otlp_test

import (
	"fmt"
	"os"

	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func ExampleNewReporter() {
	dir, _ := os.MkdirTemp("", "otlp-example")
	defer os.RemoveAll(dir)
	r, err := otlp.NewReporter(otlp.WithEndpointURL("http://127.0.0.1:4317"), otlp.WithCloseTimeout(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir), tracer.WithReporter(r))
	if err != nil {
		fmt.Println(err)
		return
	}
	t.StartSpan("checkout").Finish()
	t.Close() // closes the reporter too
	st := r.Stats()
	fmt.Println("reported:", st.Reported, "accounted for:", st.Sent+st.Dropped())
	// Output: reported: 1 accounted for: 1
}

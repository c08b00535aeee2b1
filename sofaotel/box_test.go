package sofaotel

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/sofatracer/sofatracer-go/internal/strcache"
)

func TestBoxIsBoundedAndKeepsValues(t *testing.T) {
	if got := tagValue(attribute.String("http.request.method", "PATCH")); got != "PATCH" {
		t.Fatalf("%v", got)
	}
	if n := testing.AllocsPerRun(100, func() { tagValue(attribute.String("http.request.method", "PATCH")) }); n != 0 {
		t.Fatalf("a repeated low-cardinality value allocates %v times", n)
	}
	long := strings.Repeat("x", strcache.MaxCachedLen+1)
	n := boxed.Len()
	if box(long) != long || tagValue(attribute.String("url.path", "/a")) != "/a" {
		t.Fatal("values changed")
	}
	if boxed.Len() != n {
		t.Fatal("a value longer than strcache keeps was kept")
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * strcache.MaxCached {
				if v := fmt.Sprint("v", g, "-", i); box(v) != v {
					t.Errorf("box(%q) changed it", v)
				}
			}
		})
	}
	wg.Wait()
	if n := boxed.Len(); n > strcache.MaxCached {
		t.Fatalf("%d boxed values, at most %d", n, strcache.MaxCached)
	}
}

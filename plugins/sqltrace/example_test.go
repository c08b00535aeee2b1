package sqltrace_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/plugins/sqltrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Open a SQLite database traced into datasource-client-digest.log.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sqltrace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	db, err := sqltrace.Open(t, "sqlite", "file:"+filepath.Join(dir, "orders.db"))
	if err != nil {
		log.Fatal(err)
	}
	sp := t.StartSpan("checkout")
	ctx := opentracing.ContextWithSpan(context.Background(), sp)
	if _, err := db.ExecContext(ctx, "CREATE TABLE items (id INT, name TEXT)"); err != nil {
		log.Fatal(err)
	}
	sp.Finish()
	db.Close()
	t.Close()

	f, err := os.Open(filepath.Join(dir, "datasource-client-digest.log"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l map[string]string
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			log.Fatal(err)
		}
		fmt.Println(l["spanId"], l["result.code"], l["database.type"], l["database.name"], l["sql"])
	}
	// Output:
	// 0.1 success sqlite orders.db CREATE TABLE items (id INT%2C name TEXT)
}

package logfile_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/logfile"
)

func Example() {
	dir, err := os.MkdirTemp("", "logfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	now := time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC)
	f, err := logfile.Open(logfile.Config{
		Dir:  dir,
		Name: "http-server-digest.log",
		Now:  func() time.Time { return now }, // normally left nil (time.Now)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	f.Write([]byte("a line of 2026-11-24\n"))
	now = now.Add(2 * time.Minute)
	f.Write([]byte("a line of 2026-11-25\n")) // rolls first
	if err := f.Cleanup(); err != nil {       // nothing is 7 days old yet
		log.Fatal(err)
	}

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// http-server-digest.log
	// http-server-digest.log.2026-11-24
}

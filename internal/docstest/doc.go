// Package docstest holds the test that compiles every Go snippet of
// README.md and docs/*.md; the convention snippets follow is written at the
// top of docs/README.md.
package docstest

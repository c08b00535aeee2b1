// Package digest turns finished spans into SOFATracer's log lines: one
// digest line per span in the layout of its component (Spring MVC,
// HttpClient, SOFARPC or the flexible biz layout, chosen by the component
// and span.kind tags; DataSourceClient and Redis for the components that
// database plugins Register) and aggregated stat lines, in JSON or
// SOFATracer's comma-separated form. Every value is escaped so that no caller-controlled
// text can add a line, a field or a JSON key. The package does no I/O; the
// reporter package writes the lines.
package digest

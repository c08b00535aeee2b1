// Package browsertest drives sofatracer's web UI in a real headless
// Chromium (Debian's chromium-headless-shell, through chromedp): search,
// a trace's waterfall, collapse, the detail panel, the dependency graph,
// live lines, hostile log content, and first-paint timings. It is its own
// module so that chromedp stays out of the SDK's go.mod.
package browsertest

// Package layout checks, in a module that imports both, that the
// database/sql plugin and the OpenTelemetry bridge write one DataSource
// layout (digest.DataSourceClient) into one datasource-client-digest.log.
// It has tests only.
package layout

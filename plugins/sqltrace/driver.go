package sqltrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"
)

// Open opens a database like sql.Open, with the driver registered as
// driverName, and traces its statements with tr. The database type, name
// and endpoint come from the DSN for PostgreSQL (URL and key=value
// forms), MySQL and SQLite drivers, and from the options otherwise.
func Open(tr opentracing.Tracer, driverName, dsn string, opts ...Option) (*sql.DB, error) {
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	d := probe.Driver()
	probe.Close()
	o, dbType := newOptions(opts), driverType(driverName, d)
	m := newMeta(tr, o, parseDSN(dbType, dsn))
	w := &wrappedDriver{d: d, tr: tr, o: o, dbType: dbType, metas: map[string]*meta{dsn: m}}
	var c driver.Connector
	if dc, ok := d.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	} else {
		c = dsnConnector{d: d, dsn: dsn}
	}
	return sql.OpenDB(wrapConnector(c, m, w.wrap())), nil
}

// OpenDB opens a database like sql.OpenDB and traces its statements with
// tr. A connector does not tell its DSN: set the database name and
// endpoint with WithDatabaseName and WithEndpoint. The type is guessed
// from the driver's package for PostgreSQL, MySQL and SQLite drivers.
func OpenDB(tr opentracing.Tracer, c driver.Connector, opts ...Option) *sql.DB {
	o := newOptions(opts)
	d := c.Driver()
	m := newMeta(tr, o, dsnInfo{dbType: driverType("", d)})
	w := &wrappedDriver{d: d, tr: tr, o: o, metas: map[string]*meta{}}
	return sql.OpenDB(wrapConnector(c, m, w.wrap()))
}

// WrapDriver returns a driver that opens d's connections and traces their
// statements with tr, for sql.Register. Each DSN it opens is parsed once.
// The result implements driver.DriverContext when d does.
func WrapDriver(tr opentracing.Tracer, d driver.Driver, opts ...Option) driver.Driver {
	w := &wrappedDriver{d: d, tr: tr, o: newOptions(opts), dbType: driverType("", d), metas: map[string]*meta{}}
	return w.wrap()
}

// maxMetas bounds the DSNs a wrapped driver remembers.
const maxMetas = 64

type wrappedDriver struct {
	d      driver.Driver
	tr     opentracing.Tracer
	o      *options
	dbType string
	mu     sync.Mutex
	metas  map[string]*meta
}

func (w *wrappedDriver) wrap() driver.Driver {
	if _, ok := w.d.(driver.DriverContext); ok {
		return driverContext{w}
	}
	return w
}

func (w *wrappedDriver) meta(dsn string) *meta {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.metas[dsn]; m != nil {
		return m
	}
	m := newMeta(w.tr, w.o, parseDSN(w.dbType, dsn))
	if len(w.metas) < maxMetas {
		w.metas[dsn] = m
	}
	return m
}

// Open implements driver.Driver.
func (w *wrappedDriver) Open(dsn string) (driver.Conn, error) {
	start := time.Now()
	c, err := w.d.Open(dsn)
	if err != nil {
		return nil, err
	}
	return wrapConn(c, w.meta(dsn), int64(time.Since(start)/time.Millisecond)), nil
}

// driverContext is a wrapped driver.DriverContext.
type driverContext struct{ *wrappedDriver }

// OpenConnector implements driver.DriverContext.
func (w driverContext) OpenConnector(dsn string) (driver.Connector, error) {
	c, err := w.d.(driver.DriverContext).OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return wrapConnector(c, w.meta(dsn), w), nil
}

// connector wraps a driver.Connector; closer adds io.Closer when the
// wrapped connector has it.
type connector struct {
	c driver.Connector
	m *meta
	d driver.Driver
}

type closer struct{ *connector }

func wrapConnector(c driver.Connector, m *meta, d driver.Driver) driver.Connector {
	w := &connector{c: c, m: m, d: d}
	if _, ok := c.(io.Closer); ok {
		return closer{w}
	}
	return w
}

// Connect implements driver.Connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	start := time.Now()
	cn, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return wrapConn(cn, c.m, int64(time.Since(start)/time.Millisecond)), nil
}

// Driver implements driver.Connector.
func (c *connector) Driver() driver.Driver { return c.d }

// Close implements io.Closer.
func (c closer) Close() error { return c.c.(io.Closer).Close() }

// dsnConnector is database/sql's connector for a driver without
// driver.DriverContext.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }

func (c dsnConnector) Driver() driver.Driver { return c.d }

package sqltrace

import (
	"context"
	"database/sql/driver"
	"strconv"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// meta is what the spans of one database share: the tracer, the options
// and the tag values, boxed once.
type meta struct {
	tr        opentracing.Tracer
	o         *options
	operation string
	dbType    any // database.type
	dbName    any // db.instance (database.name)
	endpoint  any // peer.address (database.endpoint)
	queries   strcache.Cache[*query]
}

// query holds the tag values of one statement text.
type query struct{ statement, sql any }

func newMeta(tr opentracing.Tracer, o *options, info dsnInfo) *meta {
	if o.dbType != "" {
		info.dbType = o.dbType
	}
	if o.dbName != "" {
		info.name = o.dbName
	}
	if o.endpoint != "" {
		info.endpoint = o.endpoint
	}
	m := &meta{tr: tr, o: o, operation: info.name}
	if m.operation == "" {
		m.operation = info.dbType
	}
	if m.operation == "" {
		m.operation = defaultOperation
	}
	m.dbType, m.dbName, m.endpoint = box(info.dbType), box(info.name), box(info.endpoint)
	return m
}

// box returns s as a tag value, nil for "" (a tag not set).
func box(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (m *meta) query(q string) *query {
	return m.queries.Get(q, func(q string) *query {
		var st string
		if m.o.clean != nil {
			st = m.o.clean(q)
		} else {
			st = digest.CleanSQL(q)
		}
		return &query{statement: st, sql: digest.SQLField(st)}
	})
}

// startPool recycles the options that start a span at a given time as a
// child of the context's span, with their slice, so that starting one
// allocates nothing but the span.
var startPool = sync.Pool{New: func() any {
	s := new(starter)
	s.opts[0], s.opts[1] = &s.at, &s.ref
	return s
}}

type starter struct {
	at   startAt
	ref  pluginutil.ChildOf
	opts [2]opentracing.StartSpanOption
}

type startAt struct{ t time.Time }

func (s *startAt) Apply(o *opentracing.StartSpanOptions) { o.StartTime = s.t }

// call is one driver call; its span is made when the call has returned,
// so that a call answered with driver.ErrSkip (after which database/sql
// takes another path, traced on its own) leaves no span and takes no
// span id.
type call struct {
	parent opentracing.Span
	start  time.Time
}

// begin starts timing a call made with ctx; ok is false when the call is
// not traced.
func (m *meta) begin(ctx context.Context) (cl call, ok bool) {
	cl.parent = opentracing.SpanFromContext(ctx)
	if cl.parent == nil && m.o.noRoots {
		return cl, false
	}
	cl.start = time.Now()
	return cl, true
}

// traced makes call, statement q on c, and records it.
func traced[R any](ctx context.Context, c *conn, q string, call func() (R, error)) (R, error) {
	cl, ok := c.m.begin(ctx)
	r, err := call()
	if ok {
		c.m.end(cl, q, c, err)
	}
	return r, err
}

// end records the call of statement q on c, which returned err.
func (m *meta) end(cl call, q string, c *conn, err error) {
	if err == driver.ErrSkip { //nolint:errorlint // drivers return ErrSkip itself
		return
	}
	cost := msValue(int64(time.Since(cl.start) / time.Millisecond))
	s := startPool.Get().(*starter)
	s.at.t = cl.start
	opts := s.opts[:1]
	if cl.parent != nil {
		s.ref.SC = cl.parent.Context()
		opts = s.opts[:2]
	}
	sp := m.tr.StartSpan(m.operation, opts...)
	s.ref.SC = nil
	startPool.Put(s)

	var qv *query
	switch q {
	case operationCommit:
		qv = &commitQuery
	case operationRollback:
		qv = &rollbackQuery
	default:
		qv = m.query(q)
	}
	var buf [13]span.Tag
	tags := append(buf[:0],
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagThreadName, Value: threadName},
		span.Tag{Key: tagDBType, Value: dbTypeSQL},
		span.Tag{Key: tagDBStatement, Value: qv.statement},
		span.Tag{Key: digest.TagSQL, Value: qv.sql},
		span.Tag{Key: digest.TagEstablishCost, Value: msValue(c.establish.Swap(0))},
		span.Tag{Key: digest.TagExecuteCost, Value: cost})
	if m.dbType != nil {
		tags = append(tags, span.Tag{Key: digest.TagDatabaseType, Value: m.dbType})
	}
	if m.dbName != nil {
		tags = append(tags, span.Tag{Key: digest.TagDBInstance, Value: m.dbName})
	}
	if m.endpoint != nil {
		tags = append(tags, span.Tag{Key: digest.TagPeerAddress, Value: m.endpoint})
	}
	if err != nil {
		tags = append(tags, span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: err.Error()})
	}
	pluginutil.SetTags(sp, tags...)
	sp.Finish()
}

var (
	commitQuery   = query{statement: operationCommit, sql: operationCommit}
	rollbackQuery = query{statement: operationRollback, sql: operationRollback}
)

// msTexts are "0ms" to "1023ms", boxed once.
var msTexts = func() (t [1024]any) {
	for i := range t {
		t[i] = strconv.Itoa(i) + "ms"
	}
	return t
}()

func msValue(ms int64) any {
	if ms >= 0 && ms < int64(len(msTexts)) {
		return msTexts[ms]
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

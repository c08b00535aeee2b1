package sqltrace

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/opentracing/opentracing-go"

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
	queries   pluginutil.Cache[*query]
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
			st = cleanSQL(q)
		}
		return &query{statement: st, sql: escapeCommas(st)}
	})
}

// call is one traced driver call.
type call struct {
	sp    opentracing.Span
	start time.Time
}

// startPool recycles the option that makes a span a child of the
// context's span, with its one-element slice, so starting one allocates
// nothing but the span.
var startPool = sync.Pool{New: func() any {
	s := new(starter)
	s.opts[0] = &s.ref
	return s
}}

type starter struct {
	ref  childOf
	opts [1]opentracing.StartSpanOption
}

type childOf struct{ sc opentracing.SpanContext }

func (c *childOf) Apply(o *opentracing.StartSpanOptions) {
	o.References = append(o.References, opentracing.SpanReference{Type: opentracing.ChildOfRef, ReferencedContext: c.sc})
}

// start begins the span of statement q on c (nil for a commit or
// rollback's connection when unknown). ok is false when the call is not
// traced.
func (m *meta) start(ctx context.Context, q string, c *conn) (cl call, ok bool) {
	parent := opentracing.SpanFromContext(ctx)
	if parent == nil && m.o.noRoots {
		return call{}, false
	}
	if parent == nil {
		cl.sp = m.tr.StartSpan(m.operation)
	} else {
		s := startPool.Get().(*starter)
		s.ref.sc = parent.Context()
		cl.sp = m.tr.StartSpan(m.operation, s.opts[:]...)
		s.ref.sc = nil
		startPool.Put(s)
	}
	var qv *query
	switch q {
	case operationCommit:
		qv = &commitQuery
	case operationRollback:
		qv = &rollbackQuery
	default:
		qv = m.query(q)
	}
	var buf [10]span.Tag
	tags := append(buf[:0],
		span.Tag{Key: span.TagComponent, Value: Component},
		span.Tag{Key: span.TagSpanKind, Value: span.KindClient},
		span.Tag{Key: span.TagThreadName, Value: threadName},
		span.Tag{Key: tagDBType, Value: dbTypeSQL},
		span.Tag{Key: tagDBStatement, Value: qv.statement},
		span.Tag{Key: TagSQL, Value: qv.sql})
	if m.dbType != nil {
		tags = append(tags, span.Tag{Key: TagDatabaseType, Value: m.dbType})
	}
	if m.dbName != nil {
		tags = append(tags, span.Tag{Key: tagDBInstance, Value: m.dbName})
	}
	if m.endpoint != nil {
		tags = append(tags, span.Tag{Key: tagPeerAddress, Value: m.endpoint})
	}
	if c != nil {
		tags = append(tags, span.Tag{Key: TagEstablishCost, Value: msValue(c.establish.Swap(0))})
	}
	pluginutil.SetTags(cl.sp, tags...)
	cl.start = time.Now()
	return cl, true
}

var (
	commitQuery   = query{statement: operationCommit, sql: operationCommit}
	rollbackQuery = query{statement: operationRollback, sql: operationRollback}
)

// finish ends the span with the driver call's outcome. driver.ErrSkip is
// no outcome: database/sql then takes another path, traced on its own,
// so the span is dropped unfinished.
func (cl call) finish(err error) {
	cost := msValue(int64(time.Since(cl.start) / time.Millisecond))
	if err == nil {
		pluginutil.SetTags(cl.sp, span.Tag{Key: TagExecuteCost, Value: cost})
	} else {
		pluginutil.SetTags(cl.sp, span.Tag{Key: TagExecuteCost, Value: cost},
			span.Tag{Key: span.TagError, Value: true},
			span.Tag{Key: span.TagErrorMessage, Value: err.Error()})
	}
	cl.sp.Finish()
}

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

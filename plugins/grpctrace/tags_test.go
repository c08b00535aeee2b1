package grpctrace

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"google.golang.org/grpc"
)

func TestTagValues(t *testing.T) {
	for _, s := range []string{invokeSync, invokeStream, "oneway", "future", "callback", "other", ""} {
		if v := invokeTypeValue(s); v != any(s) {
			t.Errorf("invokeTypeValue(%q) = %v", s, v)
		}
	}
	for _, s := range []string{ResultSuccess, ResultBizError, ResultRPCError, ResultTimeout} {
		if v := resultValue(s); v != any(s) {
			t.Errorf("resultValue(%q) = %v", s, v)
		}
		if n := testing.AllocsPerRun(10, func() { _ = resultValue(s) }); n != 0 {
			t.Errorf("resultValue(%q): %v allocs", s, n)
		}
	}
	o := newOptions(nil)
	for _, m := range []string{"/pkg.Svc/Method", "Method", "/a/b/c"} {
		service, method := splitMethod(m)
		if mt := o.methodTags(m); mt.service != any(service) || mt.method != any(method) {
			t.Errorf("methodTags(%q) = %v", m, mt)
		}
	}
}

// TestUnaryClientCallOptions checks that the interceptor neither writes
// into the caller's call options array nor drops any option.
func TestUnaryClientCallOptions(t *testing.T) {
	ic := UnaryClientInterceptor(opentracing.NoopTracer{})
	arr := make([]grpc.CallOption, 6)
	for i := range arr {
		arr[i] = grpc.EmptyCallOption{}
	}
	for _, n := range []int{0, 1, 3, 5} {
		callOpts := arr[:n:len(arr)]
		var got []grpc.CallOption
		invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
			got = opts
			return nil
		}
		if err := ic(context.Background(), "/s/m", nil, nil, nil, invoker, callOpts...); err != nil {
			t.Fatal(err)
		}
		if len(got) != n+1 {
			t.Fatalf("%d options: invoker got %d", n, len(got))
		}
		if _, ok := got[n].(grpc.PeerCallOption); !ok {
			t.Errorf("%d options: last is %T, want grpc.PeerCallOption", n, got[n])
		}
		if arr[n] != (grpc.EmptyCallOption{}) {
			t.Fatalf("%d options: the caller's array was written", n)
		}
	}
}

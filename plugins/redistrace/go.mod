module github.com/sofatracer/sofatracer-go/plugins/redistrace

go 1.26.0

replace github.com/sofatracer/sofatracer-go => ../..

require (
	github.com/opentracing/opentracing-go v1.2.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/sofatracer/sofatracer-go v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/openzipkin/zipkin-go v0.4.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

module github.com/sofatracer/sofatracer-go/plugins/kafkatrace

go 1.26.0

replace github.com/sofatracer/sofatracer-go => ../..

require (
	github.com/opentracing/opentracing-go v1.2.0
	github.com/sofatracer/sofatracer-go v0.0.0
	github.com/twmb/franz-go v1.22.3
	github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c
	github.com/twmb/franz-go/pkg/kmsg v1.15.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/openzipkin/zipkin-go v0.4.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
)

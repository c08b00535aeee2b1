module github.com/sofatracer/sofatracer-go/cmd/sofatracer/browsertest

go 1.26.0

replace github.com/sofatracer/sofatracer-go => ../../..

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/sofatracer/sofatracer-go v0.0.0
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/opentracing/opentracing-go v1.2.0 // indirect
	github.com/openzipkin/zipkin-go v0.4.3 // indirect
)

module github.com/ocrcrypto/interop/go

go 1.22

require (
	github.com/emmansun/gmsm v0.15.5 // indirect
	github.com/tjfoc/gmsm v1.4.1 // indirect
)

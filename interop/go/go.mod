module github.com/ocrcrypto/interop/go

go 1.22

require (
	github.com/emmansun/gmsm v0.15.5
	github.com/tjfoc/gmsm v1.4.1
)

require (
	golang.org/x/crypto v0.4.0 // indirect
	golang.org/x/sys v0.3.0 // indirect
)

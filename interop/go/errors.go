package main

import "fmt"

// The error classes the vectors name; they mirror ocrcrypto's exception classes.
const (
	DecryptionError           = "DecryptionError"
	EnvelopeFormatError       = "EnvelopeFormatError"
	UnsupportedAlgorithmError = "UnsupportedAlgorithmError"
	KeyFormatError            = "KeyFormatError"
)

// Error carries its class so that a verifier can compare it with a vector's expected error.
type Error struct {
	Class string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

func fail(class, format string, args ...interface{}) error {
	return &Error{Class: class, Msg: fmt.Sprintf(format, args...)}
}

// errDecryption is the one service-side decryption failure, whatever went wrong.
var errDecryption = &Error{Class: DecryptionError, Msg: "decryption failed"}

func classOf(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Class
	}
	return "unclassified"
}

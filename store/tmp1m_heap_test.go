package store_test

import (
	"io"
	"runtime/pprof"
)

func pprofWriteHeap(w io.Writer) { pprof.Lookup("heap").WriteTo(w, 0) }

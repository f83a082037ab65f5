// Command litter stores nil from Go over C memory that holds a stale
// address inside the Go heap, as godal stores pointers over the words
// malloc hands back, while the garbage collector marks. Unless GODEBUG has
// invalidptr=0 the runtime takes the stale word for a bad Go pointer and
// stops ("found bad pointer in Go heap"). With the argument "protected" it
// first calls cgoheap.Reexec, as cdflow and the plugin SDK do.
package main

/*
#include <stdint.h>
#include <stdlib.h>

// context is shaped as godal's per-call context.
typedef struct {
	char *errMessage;
	int handlerIdx;
	int failed;
	char **configOptions;
} context;

// stale returns a context whose words all hold v, as memory a previous
// owner wrote and freed.
static context *stale(uintptr_t v) {
	uintptr_t *p = malloc(sizeof(context));
	p[0] = v; p[1] = v; p[2] = v;
	return (context *)p;
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"unsafe"

	_ "github.com/airbusgeo/godal" // linked as published, as by go build without make's workspace

	"github.com/cdflow/cdflow/internal/cgoheap"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "protected" {
		cgoheap.Reexec()
	}
	// An address inside a large object that is then freed: a span no
	// longer in use.
	b := make([]byte, 64<<20)
	addr := C.uintptr_t(uintptr(unsafe.Pointer(&b[0])) + 48<<20 + 6)
	b = nil
	runtime.GC()
	var done atomic.Bool
	stores := make(chan int)
	go func() {
		n := 0
		for !done.Load() {
			// As godal's createCGOContext does with C.malloc's memory.
			c := C.stale(addr)
			c.configOptions = nil
			c.errMessage = nil
			C.free(unsafe.Pointer(c))
			n++
		}
		stores <- n
	}()
	// Each cycle's marking overlaps the stores above.
	for range 20 {
		runtime.GC()
	}
	done.Store(true)
	fmt.Printf("survived %d stores (GODEBUG=%s)\n", <-stores, os.Getenv("GODEBUG"))
}

// lab-copy: the copier of write-up 004. Each "copy" does what the write-up's CopyFile
// did (os.Create, io.Copy, then Close, optionally Sync first), or what cp does
// (O_WRONLY|O_CREAT|O_TRUNC, 128 KiB writes). It stops at a marker between the
// last write and the Sync/Close until told "go", so a fault can land exactly
// there, and times the write phase, fsync and close separately.
//
// Commands on stdin, one per line (key=value words):
//   gen path=P mb=N seed=S       write N MiB of pseudo-random bytes, report md5
//   copy id=I src=P dst=P open=create|wronly sync=0|1 at=end|mid
//   go id=I                      leave the marker
// JSON lines on stdout: ready, generated, marker, written, synced, closed, error.
// SIGQUIT prints every goroutine's stack as {"ev":"goroutines"} (as Go's own
// handler would, without ending the process: the blocked close still returns).
package main

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var outMu sync.Mutex

func emit(m map[string]any) {
	m["t_mono_ms"] = monoMs()
	b, _ := json.Marshal(m)
	outMu.Lock()
	os.Stdout.Write(append(b, '\n'))
	outMu.Unlock()
}

func monoMs() float64 {
	var ts syscall.Timespec
	// CLOCK_MONOTONIC, the clock behind the JVM's System.nanoTime on Linux.
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec)*1e3 + float64(ts.Nsec)/1e6
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func fail(id, step string, err error) {
	emit(map[string]any{"ev": "error", "id": id, "step": step, "msg": err.Error()})
}

var (
	gates   = map[string]chan struct{}{}
	gatesMu sync.Mutex
)

func gate(id string) chan struct{} {
	gatesMu.Lock()
	defer gatesMu.Unlock()
	g, ok := gates[id]
	if !ok {
		g = make(chan struct{})
		gates[id] = g
	}
	return g
}

// marker reports where the copy stands and waits for "go".
func marker(id, where string, written int64) {
	emit(map[string]any{"ev": "marker", "id": id, "at": where, "bytes": written})
	<-gate(id)
}

// halfway wraps the source and stops once at the marker after half of it.
type halfway struct {
	r     io.Reader
	id    string
	half  int64
	n     int64
	fired bool
}

func (h *halfway) Read(p []byte) (int, error) {
	if !h.fired && h.n >= h.half {
		h.fired = true
		marker(h.id, "mid", h.n)
	}
	n, err := h.r.Read(p)
	h.n += int64(n)
	return n, err
}

// copyFile is the write-up's CopyFile with timings and the marker.
func copyFile(kv map[string]string) {
	id, src, dst := kv["id"], kv["src"], kv["dst"]
	in, err := os.Open(src)
	if err != nil {
		fail(id, "open-src", err)
		return
	}
	defer in.Close()
	st, _ := in.Stat()

	var out *os.File
	t0 := time.Now()
	if kv["open"] == "wronly" {
		out, err = os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0666)
	} else {
		out, err = os.Create(dst) // O_RDWR|O_CREATE|O_TRUNC
	}
	if err != nil {
		fail(id, "create", err)
		return
	}
	var n int64
	switch {
	case kv["open"] == "wronly":
		// cp: read and write 128 KiB at a time.
		n, err = io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, make([]byte, 128<<10))
	case kv["at"] == "mid":
		n, err = io.Copy(out, &halfway{r: in, id: id, half: st.Size() / 2})
	default:
		n, err = io.Copy(out, in)
	}
	writeMs := ms(time.Since(t0))
	if err != nil {
		emit(map[string]any{"ev": "error", "id": id, "step": "write", "msg": err.Error(), "bytes": n, "write_ms": writeMs})
		out.Close()
		return
	}
	emit(map[string]any{"ev": "written", "id": id, "bytes": n, "write_ms": writeMs})
	if kv["at"] != "mid" {
		marker(id, "end", n)
	}
	if kv["sync"] == "1" {
		t := time.Now()
		emit(map[string]any{"ev": "fsync-start", "id": id})
		err = out.Sync()
		r := map[string]any{"ev": "synced", "id": id, "fsync_ms": ms(time.Since(t))}
		if err != nil {
			r["err"] = err.Error()
		}
		emit(r)
	}
	t := time.Now()
	emit(map[string]any{"ev": "close-start", "id": id})
	err = out.Close()
	r := map[string]any{"ev": "closed", "id": id, "close_ms": ms(time.Since(t)), "write_ms": writeMs, "bytes": n}
	if err != nil {
		r["err"] = err.Error()
	}
	emit(r)
}

func gen(kv map[string]string) {
	mb, _ := strconv.ParseInt(kv["mb"], 10, 64)
	seed, _ := strconv.ParseInt(kv["seed"], 10, 64)
	f, err := os.Create(kv["path"])
	if err != nil {
		fail("gen", "create", err)
		return
	}
	h := md5.New()
	rng := rand.New(rand.NewSource(seed))
	buf := make([]byte, 1<<20)
	for i := int64(0); i < mb; i++ {
		rng.Read(buf)
		h.Write(buf)
		if _, err := f.Write(buf); err != nil {
			f.Close()
			fail("gen", "write", err)
			return
		}
	}
	if err := f.Close(); err != nil {
		fail("gen", "close", err)
		return
	}
	emit(map[string]any{"ev": "generated", "path": kv["path"], "bytes": mb << 20, "md5": hex.EncodeToString(h.Sum(nil))})
}

func words(line string) (string, map[string]string) {
	f := strings.Fields(line)
	kv := map[string]string{}
	if len(f) == 0 {
		return "", kv
	}
	for _, w := range f[1:] {
		if i := strings.IndexByte(w, '='); i > 0 {
			kv[w[:i]] = w[i+1:]
		}
	}
	return f[0], kv
}

func main() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	go func() {
		for range quit {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			emit(map[string]any{"ev": "goroutines", "dump": "SIGQUIT: quit\n\n" + string(buf)})
		}
	}()
	emit(map[string]any{"ev": "ready", "pid": os.Getpid(), "go": runtime.Version()})
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, kv := words(sc.Text())
		switch cmd {
		case "":
		case "gen":
			gen(kv)
		case "copy":
			go copyFile(kv)
		case "go":
			close(gate(kv["id"]))
		case "quit":
			return
		default:
			emit(map[string]any{"ev": "error", "msg": fmt.Sprintf("unknown command %q", cmd)})
		}
	}
}

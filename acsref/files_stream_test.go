package acsref_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// streamedSize is the file the streaming tests PUT: as large as the CPE
// upload limit, over four times the allocation bound below.
const streamedSize = 64 << 20

// allocBound is what one streamed PUT may allocate on the Go heap (the
// server and the client in this process together): a few chunk buffers,
// not the file (the in-memory path allocated ~1.4 times the file).
const allocBound = 16 << 20

// TestFileStreaming: a 64 MiB PUT /files and a 64 MiB CPE upload, their
// bodies generated as sent, are stored while the process allocates less
// than allocBound; both read back whole and by Range with the SHA-256
// they were sent with (the ETag), on SQLite and on PostgreSQL.
func TestFileStreaming(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		testFileStreaming(t, startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true }))
	})
	t.Run("Postgres", func(t *testing.T) {
		testFileStreaming(t, startSharedACS(t, storetest.PostgresDSN(t)))
	})
}

func testFileStreaming(t *testing.T, a *testACS) {
	want := storetest.ContentSHA256(21, streamedSize)

	// NBI PUT /files.
	resp, alloc := streamPut(t, a.nbi+"/files/fw-big.bin", a.tok, storetest.Content(21, streamedSize))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT /files: HTTP %d", resp.StatusCode)
	}
	t.Logf("PUT /files of %d MiB: %.1f MiB allocated", streamedSize>>20, float64(alloc)/(1<<20))
	if alloc > allocBound {
		t.Errorf("PUT /files of %d MiB allocated %d bytes, bound %d", streamedSize>>20, alloc, allocBound)
	}
	info, err := a.st.FileInfo(context.Background(), "fw-big.bin")
	if err != nil || info.Size != streamedSize || info.SHA256 != want {
		t.Fatalf("stored %+v %v, want size %d sha %s", info, err, streamedSize, want)
	}
	checkServed(t, a.nbi+"/files/fw-big.bin", a.tok, 21, want)
	checkServed(t, a.srv.CWMPURL()+"files/fw-big.bin", "", 21, want) // the CPEs' download

	// A CPE upload to an open Upload task.
	dev := newTestCPE(a.srv.CWMPURL(), "ST1")
	session(t, dev)
	up := a.task(labID+"ST1", `{"name":"upload"}`)
	path := "uploads/" + strings.ReplaceAll(labID+"ST1", "%", "_") + "/" + itoa(up.ID)
	wantUp := storetest.ContentSHA256(22, streamedSize)
	resp, alloc = streamPut(t, a.srv.CWMPURL()+path, "", storetest.Content(22, streamedSize))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: HTTP %d", resp.StatusCode)
	}
	t.Logf("CPE upload of %d MiB: %.1f MiB allocated", streamedSize>>20, float64(alloc)/(1<<20))
	if alloc > allocBound {
		t.Errorf("CPE upload of %d MiB allocated %d bytes, bound %d", streamedSize>>20, alloc, allocBound)
	}
	checkServed(t, a.nbi+"/files/"+path, a.tok, 22, wantUp)
	checkServed(t, a.srv.CWMPURL()+"files/"+path, "", 22, wantUp) // the device fetching its backup
	// The first file is untouched.
	if info, _ := a.st.FileInfo(context.Background(), "fw-big.bin"); info.SHA256 != want {
		t.Fatalf("fw-big.bin now %s", info.SHA256)
	}
}

// streamPut PUTs body (with its Content-Length) and returns the response
// and the bytes the process allocated meanwhile.
func streamPut(t *testing.T, url, token string, body io.Reader) (*http.Response, uint64) {
	t.Helper()
	req, err := http.NewRequest("PUT", url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = streamedSize
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	return resp, after.TotalAlloc - before.TotalAlloc
}

// checkServed GETs a stored file whole (its SHA-256, and the ETag), by
// Range (bytes across a chunk boundary and the last ones), and with
// If-None-Match of its ETag (304).
func checkServed(t *testing.T, url, token string, seed uint64, sum string) {
	t.Helper()
	get := func(header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if header == nil { // the whole file: hashed as it arrives
			h := sha256.New()
			if n, err := io.Copy(h, resp.Body); err != nil || n != streamedSize {
				t.Fatalf("GET %s: %d bytes, %v", url, n, err)
			}
			return resp, h.Sum(nil)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	resp, got := get()
	if resp.StatusCode != http.StatusOK || hex.EncodeToString(got) != sum || resp.Header.Get("ETag") != `"`+sum+`"` {
		t.Fatalf("GET %s: HTTP %d, sha %x, ETag %s; want sha %s", url, resp.StatusCode, got, resp.Header.Get("ETag"), sum)
	}
	for _, rg := range []struct{ off, n int64 }{{3*store.FileChunkSize - 1000, 5000}, {streamedSize - 10, 10}} {
		resp, got := get("Range", fmt.Sprintf("bytes=%d-%d", rg.off, rg.off+rg.n-1))
		want := make([]byte, rg.n)
		c := storetest.Content(seed, streamedSize)
		io.CopyN(io.Discard, c, rg.off)
		io.ReadFull(c, want)
		if resp.StatusCode != http.StatusPartialContent || string(got) != string(want) {
			t.Fatalf("GET %s Range %d+%d: HTTP %d, %d bytes, equal %t", url, rg.off, rg.n, resp.StatusCode, len(got), string(got) == string(want))
		}
	}
	if resp, _ := get("If-None-Match", `"`+sum+`"`); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("GET %s If-None-Match its ETag: HTTP %d, want 304", url, resp.StatusCode)
	}
}

// BenchmarkPutFileStream256MiB: one 256 MiB PUT /files through the NBI
// (a real server on loopback) into a SQLite store, and the same file read
// back; B/op is what the process (ACS and client) allocated per PUT+GET,
// alloc-MiB/put what the PUT alone allocated. bench/files.sh measures the
// ACS process's peak RSS.
func BenchmarkPutFileStream256MiB(b *testing.B) {
	const size = 256 << 20
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{CWMPAddr: "127.0.0.1:0", NBIAddr: "127.0.0.1:0", Store: st, NBIToken: "t",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	var putAlloc uint64
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("PUT", srv.NBIURL()+"/files/big.bin", storetest.Content(uint64(i), size))
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer t")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		runtime.ReadMemStats(&after)
		putAlloc += after.TotalAlloc - before.TotalAlloc
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("PUT: HTTP %d", resp.StatusCode)
		}
		req, _ = http.NewRequest("GET", srv.NBIURL()+"/files/big.bin", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != size {
			b.Fatalf("GET: %d bytes", n)
		}
	}
	b.ReportMetric(float64(putAlloc)/float64(b.N)/(1<<20), "alloc-MiB/put")
}

// TestFilePutCutShort: a PUT /files whose client sends half its
// Content-Length and goes away is answered 400 (once the handler has
// seen the end) and leaves the file it would have replaced as it was.
func TestFilePutCutShort(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	if code := a.do("PUT", "/files/cfg.bin", "v1", nil); code != http.StatusCreated {
		t.Fatalf("PUT v1: %d", code)
	}
	nbiURL, _ := url.Parse(a.nbi)
	conn, err := net.Dial("tcp", nbiURL.Host)
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("PUT /files/cfg.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", a.tok, 3*store.FileChunkSize)
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(conn, storetest.Content(31, 3*store.FileChunkSize/2)); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	// The handler's end: its 400 counted in the NBI's metrics.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", a.nbi+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+a.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `acs_nbi_requests_total{code="400",operation="putFile"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cut-short PUT was not answered 400 within 20 s")
		}
	}
	sum := sha256.Sum256([]byte("v1"))
	r, err := a.st.OpenFile(context.Background(), "cfg.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "v1" || r.Info().SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("cfg.bin after the cut-short PUT: %q %v %+v", got, err, r.Info())
	}
	if fs, _ := a.st.Files(context.Background()); len(fs) != 1 {
		t.Fatalf("%d files, want 1", len(fs))
	}
}

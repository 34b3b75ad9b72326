package acsref_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// TestSessionBound: past MaxSessions an Inform gets 503 with Retry-After
// (TR-069 lets the ACS refuse a session so); once a session ends the next
// one is accepted.
func TestSessionBound(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.MaxSessions = 2
	})
	ctx := context.Background()
	open := make([]*cwmp.SessionClient, 2)
	for i, sn := range []string{"L1", "L2"} {
		open[i] = cwmp.NewSessionClient(a.srv.CWMPURL(), nil)
		if _, err := open[i].Post(ctx, informOf(sn, cwmp.Namespace12)); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := cwmp.NewRequest(ctx, a.srv.CWMPURL(), informOf("L3", cwmp.Namespace12))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third session: HTTP %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if reply, err := open[0].Post(ctx, &cwmp.Envelope{}); err != nil || !reply.IsEmpty() {
		t.Fatalf("ending L1: %v %v", reply, err)
	}
	if _, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(ctx, informOf("L3", cwmp.Namespace12)); err != nil {
		t.Fatalf("third session after one ended: %v", err)
	}
}

// TestSlowBodyDropped: a body trickling below the minimum rate loses its
// connection after the grace period, on the CWMP endpoint and the NBI.
func TestSlowBodyDropped(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.BodyGrace, c.BodyMinRate = 300*time.Millisecond, 1000
	})
	nbiURL, _ := url.Parse(a.nbi)
	cwmpURL, _ := url.Parse(a.srv.CWMPURL())
	for _, target := range []struct{ host, head string }{
		{cwmpURL.Host, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n"},
		{nbiURL.Host, "PUT /files/slow.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + a.tok + "\r\nContent-Length: 100000\r\n\r\n"},
	} {
		conn, err := net.Dial("tcp", target.host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte(target.head)); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		go func() { // 100 bytes/s, far below the 1000 B/s minimum
			for i := 0; i < 150; i++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write([]byte("<<<<<<<<<<")); err != nil {
					return
				}
			}
		}()
		conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err = bufio.NewReader(conn).ReadString('\n') // a response line, or the close
		close(stop)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s: a trickling body still held its connection after 15 s", target.host)
		}
	}
}

// TestDecodeBudgetBusy: while the decode memory budget is taken, a CWMP
// request waits briefly, then gets 503 with Retry-After.
func TestDecodeBudgetBusy(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true })
	release := acsref.HoldDecodeBudget(a.srv)
	req, _ := cwmp.NewRequest(context.Background(), a.srv.CWMPURL(), informOf("D1", cwmp.Namespace12))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	release()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("HTTP %d, want 503 with Retry-After", resp.StatusCode)
	}
	if _, err := cwmp.NewSessionClient(a.srv.CWMPURL(), nil).Post(context.Background(), informOf("D1", cwmp.Namespace12)); err != nil {
		t.Fatalf("after the budget is back: %v", err)
	}
}

// BenchmarkPutFile64MiB: memory of one 64 MiB PUT /files (with its
// Content-Length), through the NBI handler into a SQLite store: streamed
// in chunks, B/op is about one chunk buffer, not the file
// (files_stream_test.go measures it through a real server).
func BenchmarkPutFile64MiB(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv, err := acsref.New(acsref.Config{Store: st, NBIToken: "t", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.NBIHandler()
	data := bytes.Repeat([]byte("f"), 64<<20)
	b.ResetTimer()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("PUT", "http://127.0.0.1/files/big.bin", bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer t")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusCreated {
			b.Fatalf("HTTP %d %s", w.Code, w.Body)
		}
	}
}

// TestFirstContactBound: with discovery on, past MaxFirstContacts a
// bootstrapping CPE's Inform gets 503 with a short Retry-After, while a
// CPE that does not bootstrap is still admitted; once the first contact
// ends (here by its session timeout), the next one is admitted. Without
// discovery a bootstrap is a light session and is not bounded so.
func TestFirstContactBound(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.MaxFirstContacts = 1
		c.SessionTimeout = 300 * time.Millisecond
	})
	ctx := context.Background()
	boot := []cwmp.EventStruct{{EventCode: cwmp.EventBootstrap}, {EventCode: cwmp.EventBoot}}
	inform := func(url, sn string, events ...cwmp.EventStruct) (int, string) {
		req, _ := cwmp.NewRequest(ctx, url, informOf(sn, cwmp.Namespace12, events...))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if code, _ := inform(a.srv.CWMPURL(), "F1", boot...); code != http.StatusOK {
		t.Fatalf("first first contact: HTTP %d", code)
	}
	code, retry := inform(a.srv.CWMPURL(), "F2", boot...)
	wait, _ := strconv.Atoi(retry)
	if code != http.StatusServiceUnavailable || wait < 2 || wait > 9 {
		t.Fatalf("second first contact: HTTP %d Retry-After %q, want 503 with 2-9 s", code, retry)
	}
	// A periodic session is not a first contact.
	if code, _ := inform(a.srv.CWMPURL(), "P1"); code != http.StatusOK {
		t.Fatalf("a periodic Inform during a first contact: HTTP %d", code)
	}
	// F1 never answers: its session times out and frees the place.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, _ := inform(a.srv.CWMPURL(), "F2", boot...)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second first contact after the first timed out: still HTTP %d", code)
		}
	}

	light := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.MaxFirstContacts = 1
	})
	for _, sn := range []string{"N1", "N2"} {
		if code, _ := inform(light.srv.CWMPURL(), sn, boot...); code != http.StatusOK {
			t.Fatalf("bootstrap %s without discovery: HTTP %d", sn, code)
		}
	}
}

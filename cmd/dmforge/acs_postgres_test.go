package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/store/storetest"
)

// TestACSCommandPostgres: DMFORGE_DB takes a PostgreSQL URL; the printed
// store location hides the password.
func TestACSCommandPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	t.Setenv("DMFORGE_DB", dsn)
	cmd := newACSCmd()
	out := &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	re := regexp.MustCompile(`NBI  (http://\S+)`)
	var nbi string
	for deadline := time.Now().Add(20 * time.Second); nbi == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			nbi = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("acs stopped: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NBI URL printed:\n%s", out)
		}
	}
	if !strings.Contains(out.String(), "store postgres://") || strings.Contains(out.String(), ":dmforge_test@") {
		t.Errorf("store line (password hidden?):\n%s", out)
	}
	// The NBI requires the admin API key printed on first start.
	keyRe := regexp.MustCompile(`NBI admin API key [^:]*: (dmf_[0-9a-f]+)`)
	var key string
	for deadline := time.Now().Add(20 * time.Second); key == ""; time.Sleep(20 * time.Millisecond) {
		if m := keyRe.FindStringSubmatch(out.String()); m != nil {
			key = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin API key printed:\n%s", out)
		}
	}
	for _, c := range []struct {
		authz string
		want  int
	}{{"", http.StatusUnauthorized}, {"Bearer " + key, http.StatusOK}} {
		req, _ := http.NewRequest("GET", nbi+"/devices", nil)
		if c.authz != "" {
			req.Header.Set("Authorization", c.authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET /devices (%q): %d, want %d", c.authz, resp.StatusCode, c.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("acs: %v", err)
	}
}

// TestACSCommandPostgresUnreachable: a PostgreSQL URL nobody answers is
// an error naming the store, without its password.
func TestACSCommandPostgresUnreachable(t *testing.T) {
	t.Setenv("DMFORGE_DB", "postgres://u:secret@127.0.0.1:1/acs?connect_timeout=5")
	cmd := newACSCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0"})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "postgres://u:xxxxx@127.0.0.1:1/acs") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
}

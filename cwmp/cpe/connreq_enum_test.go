package cpe_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dmforge/dmforge/cwmp/auth"
	"github.com/dmforge/dmforge/cwmp/cpe"
)

// TestConnReqUnknownSerialLikeWrongPassword: a request for a serial
// number that does not exist gets the same answer as a wrong password for
// one that does (a 404 let anyone enumerate serial numbers).
func TestConnReqUnknownSerialLikeWrongPassword(t *testing.T) {
	crs := cpe.NewConnReqServer("")
	srv := httptest.NewServer(crs)
	defer srv.Close()
	crs.BaseURL = srv.URL
	r := newRig(t, func(c *cpe.Config) {
		c.ConnReqURL = crs.URL("SN0001")
		c.ConnReqInterval = -1
	})
	crs.Register(r.agent)
	type answer struct {
		code    int
		schemes int
		body    string
	}
	get := func(serial, user, pass string) answer {
		req, _ := http.NewRequest(http.MethodGet, crs.URL(serial), nil)
		resp, err := (&http.Client{Transport: &auth.Transport{Username: user, Password: pass}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, len(resp.Header.Values("WWW-Authenticate")), string(b)}
	}
	wrong := get("SN0001", "SN0001", "not-the-password")
	unknown := get("SN9999", "SN9999", "not-the-password")
	anonymous := get("SN9999", "", "")
	if wrong.code != http.StatusUnauthorized || unknown != wrong || anonymous != wrong {
		t.Fatalf("wrong password %+v, unknown serial %+v, no credentials %+v: want the same 401", wrong, unknown, anonymous)
	}
	if ok := get("SN0001", "SN0001", "crpass"); ok.code != http.StatusOK {
		t.Fatalf("right credentials: %+v", ok)
	}
}

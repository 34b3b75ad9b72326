package cwmp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realMessages are the real CWMP messages of ../shared/real (Informs,
// and the bodies of the captured Huawei session), read at test time and
// never copied into the project; none when the directory is absent.
func realMessages(tb testing.TB) [][]byte {
	tb.Helper()
	dir := filepath.Join("..", "..", "shared", "real")
	var out [][]byte
	xmls, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, p := range xmls {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	sessions, _ := filepath.Glob(filepath.Join(dir, "huawei-*", "*.json"))
	for _, p := range sessions {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var pair []json.RawMessage
		var body string
		if json.Unmarshal(b, &pair) == nil && len(pair) == 2 && json.Unmarshal(pair[1], &body) == nil && body != "" {
			out = append(out, []byte(body))
		}
	}
	return out
}

// FuzzDecodeTolerant feeds the tolerant decoder (what the ACS reads CPEs
// with) arbitrary bytes, seeded with real CPE messages, the corpus and
// hand-made broken lists (testdata/fuzz/FuzzDecodeTolerant). Besides not
// panicking: an issue names a list and an item inside it (or -1 for the
// list), and what was kept is a message the strict decoder takes once
// encoded, with no issue left.
func FuzzDecodeTolerant(f *testing.F) {
	f.Add([]byte(gpnOneBadItem))
	for _, m := range realMessages(f) {
		f.Add(m)
	}
	for _, data := range corpusFiles(f) {
		f.Add(data)
	}
	tol := Decoder{MaxSize: 1 << 20, MaxDepth: 32, MaxElements: 1 << 14, Tolerant: true}
	strict := Decoder{MaxSize: 1 << 21, MaxDepth: 32, MaxElements: 1 << 15}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := tol.Decode(data)
		var mu *MustUnderstandError
		if err != nil && !errors.As(err, &mu) {
			if env != nil {
				t.Fatalf("envelope returned with error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if env == nil {
			t.Fatal("nil envelope without error")
		}
		for _, is := range env.Issues {
			if is.Path == "" || is.Item < -1 || is.Msg == "" || strings.Contains(is.String(), "%!") {
				t.Fatalf("issue %+v", is)
			}
		}
		first, err := Marshal(env)
		if err != nil {
			return // kept content the schema does not allow: refused on the way out
		}
		env2, err := strict.Decode(first)
		if err != nil && !errors.As(err, &mu) {
			t.Fatalf("the strict decoder refuses what the tolerant one kept: %v\n%s", err, first)
		}
		if env2 != nil && len(env2.Issues) > 0 {
			t.Fatalf("issues in our own encoding: %v", env2.Issues)
		}
	})
}

package cwmp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds the decoder arbitrary bytes, seeded with the corpus and
// with encodings of every message type. Besides not panicking, a decoded
// envelope that the encoder accepts must be a fixed point: encoding it,
// decoding that and encoding again gives the same bytes.
func FuzzDecode(f *testing.F) {
	addCorpusSeeds(f)
	dec := Decoder{MaxSize: 1 << 20, MaxDepth: 32, MaxElements: 1 << 14}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := dec.Decode(data)
		var mu *MustUnderstandError
		if err != nil && !errors.As(err, &mu) {
			if env != nil {
				t.Fatalf("envelope returned with error %v", err)
			}
			return
		}
		if env == nil {
			t.Fatal("nil envelope without error")
		}
		first, err := Marshal(env)
		if err != nil {
			return // decoded content the schema does not allow; fine to refuse
		}
		env2, err := dec.Decode(first)
		if err != nil {
			t.Fatalf("re-decoding our own encoding failed: %v\n%s", err, first)
		}
		second, err := Marshal(env2)
		if err != nil {
			t.Fatalf("re-encoding failed: %v\n%s", err, first)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("encoding is not a fixed point:\n%s\n%s", first, second)
		}
	})
}

func corpusFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", "corpus", e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}

// addCorpusSeeds seeds a fuzz target with the corpus and with encodings
// of every message type.
func addCorpusSeeds(f *testing.F) {
	for _, data := range corpusFiles(f) {
		f.Add(data)
	}
	for _, ns := range []Namespace{Namespace10, Namespace12} {
		g := newGen(1, ns)
		for _, name := range namesFor(ns) {
			data, err := Marshal(g.envelope(name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

package parser

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of what loading may cost; each error names the limit it hit.
const (
	// maxEntityExpansion bounds the text that entity references expand
	// to in one document (the BBF's own use is a few hundred bytes).
	maxEntityExpansion = 1 << 20
	// maxExpandedElements bounds the elements of a document once its
	// component references are expanded (TR-181 full: about 43,000, the largest BBF document).
	maxExpandedElements = 2 << 20
)

// readDocument reads a document file: a regular file (not a device, a
// FIFO or a directory), its size checked before reading and the read
// bounded, so "/dev/zero" or a growing file cannot exhaust memory.
func readDocument(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	if st.Size() > maxDocBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the document size limit of %d bytes", path, st.Size(), maxDocBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxDocBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDocBytes {
		return nil, fmt.Errorf("%s: grew past the document size limit of %d bytes while read", path, maxDocBytes)
	}
	return data, nil
}

// checkImportName confines imports to the search path: an import names
// a file, never a path (no directory part, no "..").
func checkImportName(file string) error {
	if strings.ContainsAny(file, `/\`) || file == "." || file == ".." || strings.ContainsRune(file, 0) {
		return fmt.Errorf("import file %q: imports name a file in the importing file's directory or the search path (-I), not a path", file)
	}
	return nil
}

// errExpansion is the component expansion limit.
var errExpansion = errors.New("component expansion limit")

// checkExpansion computes the size of d once every component reference
// is expanded (component definitions weighed once, memoized across
// documents) and refuses it past maxExpandedElements.
func (l *Loader) checkExpansion(d *doc) error {
	if l.weights == nil {
		l.weights = map[*node]int64{}
	}
	busy := map[*node]bool{}
	var weigh func(dd *doc, n *node) int64
	weigh = func(dd *doc, n *node) int64 {
		if n.Tag == "component" {
			if ref := n.get("ref"); ref != "" {
				c, ok := dd.components[ref]
				if !ok || busy[c.n] {
					return 1 // unknown or cyclic: the resolver reports it
				}
				if w, ok := l.weights[c.n]; ok {
					return w
				}
				busy[c.n] = true
				w := weigh(c.d, c.n)
				delete(busy, c.n)
				l.weights[c.n] = w
				return w
			}
		}
		w := int64(1)
		for _, ch := range n.Children {
			w += weigh(dd, ch)
			if w > maxExpandedElements {
				return w // enough to refuse; stop counting
			}
		}
		return w
	}
	w := weigh(d, d.root)
	if w > maxExpandedElements {
		return &PosError{File: d.File, Line: d.root.Line, Msg: fmt.Sprintf("%v: the document expands to more than %d elements through its component references", errExpansion, maxExpandedElements)}
	}
	return nil
}

// entityExpansion is the text the references to ents in data expand to.
func entityExpansion(data []byte, ents map[string]string) int64 {
	var total int64
	for name, v := range ents {
		total += int64(bytes.Count(data, []byte("&"+name+";"))) * int64(len(v))
	}
	return total
}

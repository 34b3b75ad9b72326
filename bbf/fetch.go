package bbf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DefaultBaseURL is where the BBF publishes its CWMP data-model files.
const DefaultBaseURL = "https://www.broadband-forum.org/cwmp/"

// Fetcher downloads BBF files and everything they import into a directory.
type Fetcher struct {
	BaseURL string       // with a trailing slash; DefaultBaseURL if empty
	Dir     string       // destination; CacheDir() if empty
	Client  *http.Client // http.DefaultClient with a timeout if nil
	Log     io.Writer    // progress lines, if non-nil
	// MaxFiles bounds one fetch (imports can fan out); 0 means 2000.
	MaxFiles int

	fetched map[string]bool
}

var importRe = regexp.MustCompile(`<import\s[^>]*?file="([^"]+)"(?:[^>]*?spec="([^"]+)")?`)

// Fetch downloads the named files (root files, e.g. from the catalogue) and,
// recursively, the files they import. Files already in Dir are not
// downloaded again but are still read for their imports.
func (f *Fetcher) Fetch(ctx context.Context, files ...string) ([]string, error) {
	if f.BaseURL == "" {
		f.BaseURL = DefaultBaseURL
	}
	if !strings.HasSuffix(f.BaseURL, "/") {
		f.BaseURL += "/"
	}
	if f.Dir == "" {
		f.Dir = CacheDir()
	}
	if f.Client == nil {
		f.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if f.MaxFiles == 0 {
		f.MaxFiles = 2000
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, err
	}
	f.fetched = map[string]bool{}
	var got []string
	queue := append([]string(nil), files...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if f.fetched[name] {
			continue
		}
		if len(f.fetched) >= f.MaxFiles {
			return got, fmt.Errorf("stopped after %d files", f.MaxFiles)
		}
		f.fetched[name] = true
		data, err := f.get(ctx, name)
		if err != nil {
			return got, err
		}
		got = append(got, name)
		for _, m := range importRe.FindAllSubmatch(data, -1) {
			imp, err := f.resolveImport(ctx, string(m[1]), string(m[2]))
			if err != nil {
				return got, fmt.Errorf("%s: %w", name, err)
			}
			queue = append(queue, imp)
		}
	}
	return got, nil
}

// get returns the file's bytes from Dir, downloading it first if needed.
func (f *Fetcher) get(ctx context.Context, name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("refusing file name %q", name)
	}
	dst := filepath.Join(f.Dir, name)
	if data, err := os.ReadFile(dst); err == nil {
		return data, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.BaseURL+name, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", f.BaseURL+name, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	tmp := dst + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, err
	}
	if f.Log != nil {
		fmt.Fprintf(f.Log, "fetched %s (%d bytes)\n", name, len(data))
	}
	return data, nil
}

var docNameRe = regexp.MustCompile(`^tr-(\d+)-(\d+)(?:-(\d+))?(?:-(\d+))?(?:-([A-Za-z][\w-]*?))?(?:\.xml)?$`)

// resolveImport turns an import's file and spec into the file name to
// fetch. When the name omits the corrigendum the latest one is wanted, and
// the BBF's server has no listing to read it from: corrigenda are probed
// from 9 down to 0.
func (f *Fetcher) resolveImport(ctx context.Context, file, spec string) (string, error) {
	s := docNameRe.FindStringSubmatch(strings.TrimPrefix(spec, "urn:broadband-forum-org:"))
	fm := docNameRe.FindStringSubmatch(file)
	if s == nil || s[3] == "" {
		if fm == nil || fm[3] == "" || fm[4] != "" {
			return file, nil // no version to resolve: the name as written
		}
		s = fm
	}
	label := s[5]
	if label == "" && fm != nil {
		label = fm[5]
	}
	name := func(c string) string {
		n := fmt.Sprintf("tr-%s-%s-%s-%s", s[1], s[2], s[3], c)
		if label != "" {
			n += "-" + label
		}
		return n + ".xml"
	}
	if fm != nil && fm[4] != "" {
		return name(fm[4]), nil
	}
	if fm == nil && s[4] != "" {
		return name(s[4]), nil
	}
	for c := 9; c >= 0; c-- {
		n := name(fmt.Sprint(c))
		if _, err := os.Stat(filepath.Join(f.Dir, n)); err == nil {
			return n, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, f.BaseURL+n, nil)
		if err != nil {
			return "", err
		}
		resp, err := f.Client.Do(req)
		if err != nil {
			return "", fmt.Errorf("probe %s: %w", n, err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return n, nil
		}
	}
	return "", fmt.Errorf("no corrigendum of %s (spec %s) found at %s", file, spec, f.BaseURL)
}

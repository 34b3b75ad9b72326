package bbf

import (
	"os"
	"path/filepath"
)

// EnvDir is the environment variable that names a directory of BBF files.
const EnvDir = "DMFORGE_BBF"

// CacheDir returns the user cache directory that `dmforge bbf fetch`
// downloads into ($XDG_CACHE_HOME/dmforge/bbf or the OS equivalent).
func CacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "dmforge", "bbf")
}

// SearchPath returns the directories searched for BBF files, in order:
// the -I directories given, then $DMFORGE_BBF, then ../shared/bbf beside
// the root of the Go module containing the working directory (how the
// dmforge repository itself is laid out), then the user cache. Directories
// that do not exist are left out.
func SearchPath(includes []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" {
			return
		}
		abs, err := filepath.Abs(d)
		if err != nil || seen[abs] {
			return
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return
		}
		seen[abs] = true
		out = append(out, abs)
	}
	for _, d := range includes {
		add(d)
	}
	add(os.Getenv(EnvDir))
	if root := moduleRoot(); root != "" {
		add(filepath.Join(filepath.Dir(root), "shared", "bbf"))
	}
	add(CacheDir())
	return out
}

func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Find returns the first directory in dirs that holds file, and the path.
func Find(dirs []string, file string) (string, bool) {
	for _, d := range dirs {
		p := filepath.Join(d, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

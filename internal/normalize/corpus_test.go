package normalize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// errNoCorpus reports that no corpus was found beside the repository and
// SECURENEXUS_CORPUS is unset.
var errNoCorpus = errors.New("corpus not found")

// findCorpus locates the shared vendor sample corpus: SECURENEXUS_CORPUS
// when set (an error if it is not a directory), else shared/corpus beside
// the repository root, found by walking up from the working directory.
func findCorpus() (string, error) {
	if d := os.Getenv("SECURENEXUS_CORPUS"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
		return "", fmt.Errorf("SECURENEXUS_CORPUS=%q is not a directory", d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, c := range []string{filepath.Join(dir, "shared", "corpus"), filepath.Join(dir, "..", "shared", "corpus")} {
			if st, err := os.Stat(filepath.Join(c, "MANIFEST.md")); err == nil && !st.IsDir() {
				return filepath.Clean(c), nil
			}
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w: no shared/corpus/MANIFEST.md beside the repository (walked up from %s); "+
				"copy shared/ next to the clone or set SECURENEXUS_CORPUS", errNoCorpus, wd)
		}
	}
}

// readCorpus reads one corpus file. Benchmarks skip when no corpus is
// present and SECURENEXUS_CORPUS is unset (a fresh clone); tests fail.
func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	d, err := findCorpus()
	if err != nil {
		if _, bench := t.(*testing.B); bench && errors.Is(err, errNoCorpus) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(d, rel))
	if err != nil {
		t.Fatalf("read corpus file: %v", err)
	}
	return b
}

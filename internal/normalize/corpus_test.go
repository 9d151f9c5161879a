package normalize

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir finds shared/corpus by walking up from the working directory:
// it sits beside the repository root (/work/shared/corpus for /work/main).
// A missing corpus fails the test: the conformance suite must not be
// skipped silently.
func corpusDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SECURENEXUS_CORPUS"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		t.Fatalf("SECURENEXUS_CORPUS=%q is not a directory", d)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, c := range []string{filepath.Join(dir, "shared", "corpus"), filepath.Join(dir, "..", "shared", "corpus")} {
			if st, err := os.Stat(filepath.Join(c, "MANIFEST.md")); err == nil && !st.IsDir() {
				return filepath.Clean(c)
			}
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Fatalf("corpus not found: no shared/corpus/MANIFEST.md beside the repository (walked up from %s); "+
		"copy shared/ next to the clone or set SECURENEXUS_CORPUS", wd)
	return ""
}

func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), rel))
	if err != nil {
		t.Fatalf("read corpus file: %v", err)
	}
	return b
}

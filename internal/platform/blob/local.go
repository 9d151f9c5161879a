package blob

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
)

// tmpDir holds partial writes inside the store's root; no key can name
// it (segments may not start with a dot).
const tmpDir = ".tmp"

// Local stores blobs as files under one directory. Every file operation
// goes through an os.Root, so even a symlink planted inside the directory
// cannot lead outside it. Put writes a temporary file, fsyncs it, renames
// it into place and fsyncs the directory.
type Local struct {
	dir string

	once sync.Once
	root *os.Root
	err  error
}

var _ Store = (*Local)(nil)

// NewLocal returns a store in the directory dir. The directory (mode
// 0700) is created on first use, so a process that never stores a file
// leaves nothing behind.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local directory is empty")
	}
	return &Local{dir: dir}, nil
}

// open creates and opens the directory once.
func (l *Local) open() (*os.Root, error) {
	l.once.Do(func() {
		if err := os.MkdirAll(l.dir, 0o700); err != nil {
			l.err = fmt.Errorf("blob: create %s: %w", l.dir, err)
			return
		}
		root, err := os.OpenRoot(l.dir)
		if err != nil {
			l.err = fmt.Errorf("blob: open %s: %w", l.dir, err)
			return
		}
		if err := root.MkdirAll(tmpDir, 0o700); err != nil {
			root.Close()
			l.err = fmt.Errorf("blob: create %s/%s: %w", l.dir, tmpDir, err)
			return
		}
		l.root = root
	})
	return l.root, l.err
}

// Close releases the directory handle.
func (l *Local) Close() error {
	l.once.Do(func() { l.err = errors.New("blob: store closed") })
	if l.root != nil {
		return l.root.Close()
	}
	return nil
}

// Name implements Store.
func (l *Local) Name() string { return "local" }

// Dir is the store's directory.
func (l *Local) Dir() string { return l.dir }

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (_ Info, err error) {
	if err := checkPut(key, opts); err != nil {
		return Info{}, err
	}
	root, err := l.open()
	if err != nil {
		return Info{}, err
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(tmpDir, hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Info{}, fmt.Errorf("blob: create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	lr := newLimitedHashReader(ctx, r, opts.MaxSize)
	n, err := io.Copy(f, lr)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return Info{}, err
		}
		return Info{}, fmt.Errorf("blob: write %s: %w", key, err)
	}
	if err = f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: sync %s: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: close %s: %w", key, err)
	}
	dir := path.Dir(key)
	if err = root.MkdirAll(dir, 0o700); err != nil {
		return Info{}, fmt.Errorf("blob: create directory of %s: %w", key, err)
	}
	if err = root.Rename(tmp, key); err != nil {
		return Info{}, fmt.Errorf("blob: rename into %s: %w", key, err)
	}
	if err := l.syncDir(root, dir); err != nil {
		return Info{}, err
	}
	st, err := root.Stat(key)
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return Info{Key: key, Size: n, SHA256: lr.digest(), ModTime: st.ModTime().UTC()}, nil
}

func (l *Local) syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync directory %s: %w", dir, err)
	}
	return nil
}

// Open implements Store.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := l.open()
	if err != nil {
		return nil, err
	}
	f, err := root.Open(key)
	if err != nil {
		return nil, l.pathErr(key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return f, nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	root, err := l.open()
	if err != nil {
		return Info{}, err
	}
	st, err := root.Stat(key)
	if err != nil {
		return Info{}, l.pathErr(key, err)
	}
	if !st.Mode().IsRegular() {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return Info{Key: key, Size: st.Size(), ModTime: st.ModTime().UTC()}, nil
}

// Delete implements Store. Directories left empty are removed too.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := l.open()
	if err != nil {
		return err
	}
	st, err := root.Lstat(key)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || (err == nil && st.IsDir()) {
		return nil
	}
	if err != nil {
		return l.pathErr(key, err)
	}
	if err := root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	for dir := path.Dir(key); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if root.Remove(dir) != nil { // not empty (or gone): stop
			break
		}
	}
	return nil
}

// List implements Store. It walks the directory holding the prefix and
// sorts the matches by key.
func (l *Local) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		if err := ValidatePrefix(prefix); err != nil {
			yield(Info{}, err)
			return
		}
		root, err := l.open()
		if err != nil {
			yield(Info{}, err)
			return
		}
		start := "."
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			start = prefix[:i]
		}
		var out []Info
		err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == start {
					return fs.SkipAll
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if p == tmpDir || (p != "." && p != start && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/")) {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // deleted meanwhile
				}
				return err
			}
			out = append(out, Info{Key: p, Size: fi.Size(), ModTime: fi.ModTime().UTC()})
			return nil
		})
		if err != nil {
			yield(Info{}, fmt.Errorf("blob: list %q: %w", prefix, err))
			return
		}
		slices.SortFunc(out, func(a, b Info) int { return cmp.Compare(a.Key, b.Key) })
		for _, in := range out {
			if !yield(in, nil) {
				return
			}
		}
	}
}

// Check implements Store: it writes, syncs and removes a probe file.
func (l *Local) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := l.open()
	if err != nil {
		return err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	probe := path.Join(tmpDir, "probe-"+hex.EncodeToString(rnd[:]))
	if err := root.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		return fmt.Errorf("blob: %s is not writable: %w", l.dir, err)
	}
	if err := root.Remove(probe); err != nil {
		return fmt.Errorf("blob: remove probe in %s: %w", l.dir, err)
	}
	return nil
}

func (l *Local) pathErr(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || isNotDir(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %s: %w", key, err)
}

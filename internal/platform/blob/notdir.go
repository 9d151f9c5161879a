package blob

import (
	"errors"
	"syscall"
)

// isNotDir reports ENOTDIR: a key whose parent is a blob, not a
// directory, names no blob.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

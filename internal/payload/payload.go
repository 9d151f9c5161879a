// Package payload packs the raw source payload an alert keeps for its
// detail view: zstd-compressed when that is smaller (most JSON payloads
// shrink to about half), else as received. Unpack reads both forms, so
// rows written before compression read unchanged.
package payload

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// MaxSize bounds an unpacked payload (intake accepts at most 1 MiB per
// record; the margin covers older rows).
const MaxSize = 16 << 20

// magic starts every zstd frame (RFC 8878). A stored payload starting with
// it is compressed; text payloads cannot (0xB5 is no UTF-8 lead byte after
// '(').
var magic = []byte{0x28, 0xb5, 0x2f, 0xfd}

var (
	encoder = mustEncoder()
	decoder = mustDecoder()
)

func mustEncoder() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false))
	if err != nil {
		panic(fmt.Sprintf("payload: zstd encoder: %v", err))
	}
	return e
}

func mustDecoder() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(MaxSize), zstd.WithDecoderMaxWindow(MaxSize))
	if err != nil {
		panic(fmt.Sprintf("payload: zstd decoder: %v", err))
	}
	return d
}

// Pack returns raw compressed when that is smaller, else raw itself.
func Pack(raw []byte) []byte {
	if len(raw) < 64 {
		return raw
	}
	z := encoder.EncodeAll(raw, make([]byte, 0, len(raw)/2))
	if len(z) >= len(raw) {
		return raw
	}
	return z
}

// Unpack returns the payload Pack stored (compressed or not).
func Unpack(stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, magic) {
		return stored, nil
	}
	out, err := decoder.DecodeAll(stored, nil)
	if err != nil {
		return nil, fmt.Errorf("payload: decompress: %w", err)
	}
	return out, nil
}

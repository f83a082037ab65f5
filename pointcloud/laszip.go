package pointcloud

import (
	"encoding/binary"
	"fmt"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
)

// LASzip compressor kinds (LASzip VLR field "compressor").
const (
	CompressorNone             = 0
	CompressorPointwise        = 1
	CompressorPointwiseChunked = 2
	CompressorLayeredChunked   = 3
)

// LASzip item types.
const (
	ItemByte         = 0
	ItemPoint10      = 6
	ItemGPSTime11    = 7
	ItemRGB12        = 8
	ItemWavePacket13 = 9
	ItemPoint14      = 10
	ItemRGB14        = 11
	ItemRGBNIR14     = 12
	ItemWavePacket14 = 13
	ItemByte14       = 14
)

var itemNames = map[uint16]string{
	0: "BYTE", 1: "SHORT", 2: "INT", 3: "LONG", 4: "FLOAT", 5: "DOUBLE",
	6: "POINT10", 7: "GPSTIME11", 8: "RGB12", 9: "WAVEPACKET13",
	10: "POINT14", 11: "RGB14", 12: "RGBNIR14", 13: "WAVEPACKET14", 14: "BYTE14",
}

// LASzipItem is one entry of the LASzip VLR's item list.
type LASzipItem struct {
	Type, Size, Version uint16
}

// Name is the LASzip name of the item type, e.g. "POINT10".
func (it LASzipItem) Name() string {
	if s, ok := itemNames[it.Type]; ok {
		return s
	}
	return fmt.Sprintf("type %d", it.Type)
}

// LASzipInfo is the content of the LASzip VLR (user "laszip encoded",
// record 22204).
type LASzipInfo struct {
	Compressor     uint16
	Coder          uint16
	VersionMajor   uint8
	VersionMinor   uint8
	VersionRev     uint16
	Options        uint32
	ChunkSize      uint32 // points per chunk; 0xFFFFFFFF = variable
	NumSpecialEVLR int64
	OffSpecialEVLR int64
	Items          []LASzipItem
}

// VariableChunks reports whether chunk sizes come from the chunk table.
func (z *LASzipInfo) VariableChunks() bool { return z.ChunkSize == 0xFFFFFFFF }

func parseLASzipVLR(b []byte) (*LASzipInfo, error) {
	if len(b) < 34 {
		return nil, fmt.Errorf("%w: LASzip VLR has %d bytes, need 34", ErrCorrupt, len(b))
	}
	le := binary.LittleEndian
	z := &LASzipInfo{
		Compressor:     le.Uint16(b),
		Coder:          le.Uint16(b[2:]),
		VersionMajor:   b[4],
		VersionMinor:   b[5],
		VersionRev:     le.Uint16(b[6:]),
		Options:        le.Uint32(b[8:]),
		ChunkSize:      le.Uint32(b[12:]),
		NumSpecialEVLR: int64(le.Uint64(b[16:])),
		OffSpecialEVLR: int64(le.Uint64(b[24:])),
	}
	n := int(le.Uint16(b[32:]))
	if len(b) < 34+6*n {
		return nil, fmt.Errorf("%w: LASzip VLR lists %d items in %d bytes", ErrCorrupt, n, len(b))
	}
	for i := 0; i < n; i++ {
		o := 34 + 6*i
		z.Items = append(z.Items, LASzipItem{Type: le.Uint16(b[o:]), Size: le.Uint16(b[o+2:]), Version: le.Uint16(b[o+4:])})
	}
	return z, nil
}

// validate checks that the compressor and items are ones package laz
// decodes and that the items add up to the record length.
func (z *LASzipInfo) validate(h *Header) error {
	if z.Coder != 0 {
		return fmt.Errorf("%w: LASzip coder %d (only arithmetic coder 0)", ErrUnsupported, z.Coder)
	}
	switch z.Compressor {
	case CompressorPointwise, CompressorPointwiseChunked, CompressorLayeredChunked:
	default:
		return fmt.Errorf("%w: LASzip compressor %d", ErrUnsupported, z.Compressor)
	}
	if z.ChunkSize == 0 {
		return fmt.Errorf("%w: LASzip chunk size 0", ErrCorrupt)
	}
	layered := z.Compressor == CompressorLayeredChunked
	total := 0
	for _, it := range z.Items {
		total += int(it.Size)
		want := -1 // required size, -1 = any positive
		var ok bool
		switch it.Type {
		case ItemPoint10:
			ok, want = !layered && it.Version == 2, 20
		case ItemGPSTime11:
			ok, want = !layered && it.Version == 2, 8
		case ItemRGB12:
			ok, want = !layered && it.Version == 2, 6
		case ItemByte:
			ok = !layered && it.Version == 2
		case ItemPoint14:
			ok, want = layered && (it.Version == 3 || it.Version == 4), 30
		case ItemRGB14:
			ok, want = layered && (it.Version == 3 || it.Version == 4), 6
		case ItemRGBNIR14:
			ok, want = layered && (it.Version == 3 || it.Version == 4), 8
		case ItemByte14:
			ok = layered && (it.Version == 3 || it.Version == 4)
		}
		if !ok {
			return fmt.Errorf("%w: LASzip item %s version %d with compressor %d", ErrUnsupported, it.Name(), it.Version, z.Compressor)
		}
		if (want > 0 && int(it.Size) != want) || it.Size == 0 {
			return fmt.Errorf("%w: LASzip item %s has size %d", ErrCorrupt, it.Name(), it.Size)
		}
	}
	if len(z.Items) == 0 || (z.Items[0].Type != ItemPoint10 && z.Items[0].Type != ItemPoint14) {
		return fmt.Errorf("%w: LASzip item list does not start with a point item", ErrCorrupt)
	}
	if total != int(h.PointRecordLength) {
		return fmt.Errorf("%w: LASzip items total %d bytes, record length is %d", ErrCorrupt, total, h.PointRecordLength)
	}
	return nil
}

// codec describes the validated items to the decoder.
func (z *LASzipInfo) codec(recLen int) *laz.Codec {
	return &laz.Codec{Layered: z.Compressor == CompressorLayeredChunked, Items: lazItems(z.Items), RecordLen: recLen}
}

// lazItems converts the item list to the decoder's type (same fields).
func lazItems(items []LASzipItem) []laz.Item {
	out := make([]laz.Item, len(items))
	for i, it := range items {
		out[i] = laz.Item(it)
	}
	return out
}

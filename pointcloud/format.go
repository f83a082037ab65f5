package pointcloud

// baseRecordLen is the size in bytes of each standard point data record
// format (0–10) without extra bytes.
var baseRecordLen = [11]int{20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67}

// BaseRecordLen returns the standard record length of point format f, or
// 0 when f is not a LAS point format (0–10).
func BaseRecordLen(f uint8) int {
	if int(f) >= len(baseRecordLen) {
		return 0
	}
	return baseRecordLen[f]
}

// layout gives the byte offsets of the optional fields of a point format;
// -1 means absent.
type layout struct {
	gps, rgb, nir, wave int
	extended            bool // formats 6–10
}

func layoutOf(f uint8) layout {
	switch f {
	case 0:
		return layout{gps: -1, rgb: -1, nir: -1, wave: -1}
	case 1:
		return layout{gps: 20, rgb: -1, nir: -1, wave: -1}
	case 2:
		return layout{gps: -1, rgb: 20, nir: -1, wave: -1}
	case 3:
		return layout{gps: 20, rgb: 28, nir: -1, wave: -1}
	case 4:
		return layout{gps: 20, rgb: -1, nir: -1, wave: 28}
	case 5:
		return layout{gps: 20, rgb: 28, nir: -1, wave: 34}
	case 6:
		return layout{gps: 22, rgb: -1, nir: -1, wave: -1, extended: true}
	case 7:
		return layout{gps: 22, rgb: 30, nir: -1, wave: -1, extended: true}
	case 8:
		return layout{gps: 22, rgb: 30, nir: 36, wave: -1, extended: true}
	case 9:
		return layout{gps: 22, rgb: -1, nir: -1, wave: 30, extended: true}
	default: // 10
		return layout{gps: 22, rgb: 30, nir: 36, wave: 38, extended: true}
	}
}

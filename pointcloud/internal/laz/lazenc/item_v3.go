package lazenc

import (
	"encoding/binary"

	"github.com/cdflow/cdflow/pointcloud/internal/laz"
	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// Layered item encoders (versions 3 and 4), mirroring laz/item_v3.go.

type lyEncoder interface {
	first(raw []byte, ctx *int)
	encode(raw []byte, ctx *int)
	layers() [][]byte // finished layers; nil entries are empty
}

type p14EncContext struct {
	last          p14
	lastIntensity [8]uint16
	xMedian       [12]laz.Median5
	yMedian       [12]laz.Median5
	lastZ         [8]int32

	changed        [8]*arith.Model
	scannerChannel *arith.Model
	numReturns     [16]*arith.Model
	returnNumber   [16]*arith.Model
	returnGPSSame  *arith.Model
	class          [64]*arith.Model
	flags          [64]*arith.Model
	userData       [64]*arith.Model

	icDX, icDY, icZ, icIntensity, icScanAngle, icSourceID *arith.IntEncoder
	gps                                                   *gpsEncoder
}

func newP14EncContext(last *p14) *p14EncContext {
	c := &p14EncContext{last: *last, scannerChannel: arith.NewModel(3), returnGPSSame: arith.NewModel(13),
		icDX: arith.NewIntEncoder(32, 2), icDY: arith.NewIntEncoder(32, 22), icZ: arith.NewIntEncoder(32, 20),
		icIntensity: arith.NewIntEncoder(16, 4), icScanAngle: arith.NewIntEncoder(16, 2), icSourceID: arith.NewIntEncoder(16, 1),
		gps: newGPSEncoder(false, last.gps)}
	c.last.gpsChange = false
	for i := range c.changed {
		c.changed[i] = arith.NewModel(128)
	}
	for i := range c.xMedian {
		c.xMedian[i], c.yMedian[i] = laz.NewMedian5(), laz.NewMedian5()
	}
	for i := range c.lastZ {
		c.lastZ[i], c.lastIntensity[i] = last.z, last.intensity
	}
	return c
}

type point14Enc struct {
	enc     [laz.P14Layers]*arith.Encoder
	changed [laz.P14Layers]bool
	ctx     [4]*p14EncContext
	current int
	v4      bool
}

func (p *point14Enc) first(raw []byte, ctx *int) {
	pt := readP14(raw)
	for i := range p.enc {
		p.enc[i] = arith.NewEncoder()
	}
	p.current = int(pt.channel)
	*ctx = p.current
	p.ctx[p.current] = newP14EncContext(&pt)
}

func (p *point14Enc) encode(raw []byte, ctxOut *int) {
	cur := readP14(raw)
	exy := p.enc[laz.LayerXY]
	c := p.ctx[p.current]
	lpr := 0
	if c.last.r == 1 {
		lpr = 1
	}
	if c.last.r >= c.last.n {
		lpr += 2
	}
	if c.last.gpsChange {
		lpr += 4
	}
	modelsCtx := c
	ch := int(cur.channel)
	channelChanged := ch != p.current
	last := &c.last
	if channelChanged && p.ctx[ch] != nil {
		last = &p.ctx[ch].last
	}
	gpsChange := cur.gps != last.gps
	var changed uint32
	if channelChanged {
		changed |= 1 << 6
	}
	if cur.sourceID != last.sourceID {
		changed |= 1 << 5
	}
	if gpsChange {
		changed |= 1 << 4
	}
	if cur.scanAngle != last.scanAngle {
		changed |= 1 << 3
	}
	if cur.n != last.n {
		changed |= 1 << 2
	}
	if cur.r != last.r {
		switch cur.r {
		case (last.r + 1) % 16:
			changed |= 1
		case (last.r + 15) % 16:
			changed |= 2
		default:
			changed |= 3
		}
	}
	exy.EncodeSymbol(modelsCtx.changed[lpr], changed)
	if channelChanged {
		exy.EncodeSymbol(modelsCtx.scannerChannel, uint32((ch-p.current+4)%4-1))
		if p.ctx[ch] == nil {
			p.ctx[ch] = newP14EncContext(last)
		}
		p.current = ch
		*ctxOut = ch
		c = p.ctx[ch]
		last = &c.last
		last.channel = uint8(ch)
	}
	if p.v4 {
		*ctxOut = p.current
	}
	gpsBit := 0
	if gpsChange {
		gpsBit = 1
	}
	if changed&(1<<2) != 0 {
		exy.EncodeSymbol(lazy(&c.numReturns[last.n], 16), uint32(cur.n))
	}
	if changed&3 == 3 {
		if gpsChange {
			exy.EncodeSymbol(lazy(&c.returnNumber[last.r], 16), uint32(cur.r))
		} else {
			exy.EncodeSymbol(c.returnGPSSame, uint32((int(cur.r)-int(last.r)+16)%16-2))
		}
	}
	n, r := cur.n, cur.r
	m := int(laz.NumberReturnMap6ctx[n][r])
	l := laz.NumberReturnLevel8ctx[n][r]
	cpr := uint32(0)
	if r == 1 {
		cpr = 2
	}
	if r >= n {
		cpr++
	}
	one := uint32(0)
	if n == 1 {
		one = 1
	}
	idx := m<<1 | gpsBit
	diff := cur.x - last.x
	c.icDX.Encode(exy, c.xMedian[idx].Get(), diff, one)
	c.xMedian[idx].Add(diff)
	k := c.icDX.K()
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	diff = cur.y - last.y
	c.icDY.Encode(exy, c.yMedian[idx].Get(), diff, ctx)
	c.yMedian[idx].Add(diff)

	k = (c.icDX.K() + c.icDY.K()) / 2
	ctx = one + 18
	if k < 18 {
		ctx = one + k&^1
	}
	c.icZ.Encode(p.enc[laz.LayerZ], c.lastZ[l], cur.z, ctx)
	c.lastZ[l] = cur.z
	p.changed[laz.LayerZ] = p.changed[laz.LayerZ] || cur.z != last.z

	ccc := int(last.class&0x1F) << 1
	if cpr == 3 {
		ccc++
	}
	p.enc[laz.LayerClass].EncodeSymbol(lazy(&c.class[ccc], 256), uint32(cur.class))
	p.changed[laz.LayerClass] = p.changed[laz.LayerClass] || cur.class != last.class

	lf := last.edge<<5 | last.scanDir<<4 | last.classFlags
	f := cur.edge<<5 | cur.scanDir<<4 | cur.classFlags
	p.enc[laz.LayerFlags].EncodeSymbol(lazy(&c.flags[lf], 64), uint32(f))
	p.changed[laz.LayerFlags] = p.changed[laz.LayerFlags] || f != lf

	i := cpr<<1 | uint32(gpsBit)
	c.icIntensity.Encode(p.enc[laz.LayerIntensity], int32(c.lastIntensity[i]), int32(cur.intensity), cpr)
	c.lastIntensity[i] = cur.intensity
	p.changed[laz.LayerIntensity] = p.changed[laz.LayerIntensity] || cur.intensity != last.intensity

	if changed&(1<<3) != 0 {
		c.icScanAngle.Encode(p.enc[laz.LayerScanAngle], int32(last.scanAngle), int32(cur.scanAngle), uint32(gpsBit))
		p.changed[laz.LayerScanAngle] = true
	}
	p.enc[laz.LayerUserData].EncodeSymbol(lazy(&c.userData[last.userData/4], 256), uint32(cur.userData))
	p.changed[laz.LayerUserData] = p.changed[laz.LayerUserData] || cur.userData != last.userData
	if changed&(1<<5) != 0 {
		c.icSourceID.Encode(p.enc[laz.LayerSourceID], int32(last.sourceID), int32(cur.sourceID), 0)
		p.changed[laz.LayerSourceID] = true
	}
	if gpsChange {
		c.gps.encode(p.enc[laz.LayerGPS], cur.gps)
		p.changed[laz.LayerGPS] = true
	}
	*last = cur
	last.gpsChange = gpsChange
}

func (p *point14Enc) layers() [][]byte {
	out := make([][]byte, laz.P14Layers)
	for i, e := range p.enc {
		if i == laz.LayerXY || p.changed[i] {
			out[i] = e.Done()
		}
	}
	return out
}

type rgb14Enc struct {
	nir     bool
	v4      bool
	enc     [2]*arith.Encoder
	changed [2]bool
	ctx     [4]*rgb14Context
	current int
}

type rgb14Context struct {
	rgb     laz.RGBModels
	nirUsed *arith.Model
	nirDiff [2]*arith.Model
	last    [4]uint16
}

func (r *rgb14Enc) newContext(last [4]uint16) *rgb14Context {
	c := &rgb14Context{rgb: laz.NewRGBModels(nil), last: last}
	if r.nir {
		c.nirUsed, c.nirDiff = arith.NewModel(4), [2]*arith.Model{arith.NewModel(256), arith.NewModel(256)}
	}
	return c
}

func readRGBNIR(raw []byte, nir bool) [4]uint16 {
	var v [4]uint16
	c := laz.GetRGB(raw)
	copy(v[:], c[:])
	if nir {
		v[3] = binary.LittleEndian.Uint16(raw[6:])
	}
	return v
}

func (r *rgb14Enc) first(raw []byte, ctx *int) {
	r.enc = [2]*arith.Encoder{arith.NewEncoder(), arith.NewEncoder()}
	r.current = *ctx & 3
	r.ctx[r.current] = r.newContext(readRGBNIR(raw, r.nir))
}

func (r *rgb14Enc) encode(raw []byte, ctxIn *int) {
	c := r.ctx[r.current]
	if ctx := *ctxIn & 3; ctx != r.current {
		r.current = ctx
		if r.ctx[ctx] == nil {
			r.ctx[ctx] = r.newContext(c.last)
			c = r.ctx[ctx]
		} else if r.v4 {
			c = r.ctx[ctx]
		}
	}
	models := r.ctx[r.current]
	cur := readRGBNIR(raw, r.nir)
	rgb := [3]uint16{cur[0], cur[1], cur[2]}
	lastRGB := [3]uint16{c.last[0], c.last[1], c.last[2]}
	encodeRGB(r.enc[0], &models.rgb, lastRGB, rgb)
	r.changed[0] = r.changed[0] || rgb != lastRGB
	c.last[0], c.last[1], c.last[2] = rgb[0], rgb[1], rgb[2]
	if r.nir {
		last := c.last[3]
		var sym uint32
		if cur[3]&0xFF != last&0xFF {
			sym |= 1
		}
		if cur[3]>>8 != last>>8 {
			sym |= 2
		}
		r.enc[1].EncodeSymbol(models.nirUsed, sym)
		if sym&1 != 0 {
			r.enc[1].EncodeSymbol(models.nirDiff[0], uint32(uint8(cur[3]&0xFF-last&0xFF)))
		}
		if sym&2 != 0 {
			r.enc[1].EncodeSymbol(models.nirDiff[1], uint32(uint8(cur[3]>>8-last>>8)))
		}
		r.changed[1] = r.changed[1] || sym != 0
		c.last[3] = cur[3]
	}
}

func (r *rgb14Enc) layers() [][]byte {
	n := 1
	if r.nir {
		n = 2
	}
	out := make([][]byte, n)
	for i := range out {
		if r.changed[i] {
			out[i] = r.enc[i].Done()
		}
	}
	return out
}

type byte14Context struct {
	models []*arith.Model
	last   []byte
}

type byte14Enc struct {
	n       int
	v4      bool
	enc     []*arith.Encoder
	changed []bool
	ctx     [4]*byte14Context
	current int
}

func (b *byte14Enc) first(raw []byte, ctx *int) {
	b.enc = make([]*arith.Encoder, b.n)
	for i := range b.enc {
		b.enc[i] = arith.NewEncoder()
	}
	b.changed = make([]bool, b.n)
	b.current = *ctx & 3
	b.ctx[b.current] = &byte14Context{models: make([]*arith.Model, b.n), last: append([]byte(nil), raw...)}
}

func (b *byte14Enc) encode(raw []byte, ctxIn *int) {
	c := b.ctx[b.current]
	if ctx := *ctxIn & 3; ctx != b.current {
		b.current = ctx
		if b.ctx[ctx] == nil {
			b.ctx[ctx] = &byte14Context{models: make([]*arith.Model, b.n), last: append([]byte(nil), c.last...)}
			c = b.ctx[ctx]
		} else if b.v4 {
			c = b.ctx[ctx]
		}
	}
	models := b.ctx[b.current].models
	for i := 0; i < b.n; i++ {
		b.enc[i].EncodeSymbol(lazy(&models[i], 256), uint32(raw[i]-c.last[i]))
		b.changed[i] = b.changed[i] || raw[i] != c.last[i]
		c.last[i] = raw[i]
	}
}

func (b *byte14Enc) layers() [][]byte {
	out := make([][]byte, b.n)
	for i := range out {
		if b.changed[i] {
			out[i] = b.enc[i].Done()
		}
	}
	return out
}

// LayeredChunk compresses recs (records of recLen bytes) into one chunk
// of compressor 3 with the version 3 or 4 items.
func LayeredChunk(items []laz.Item, recLen int, recs []byte) []byte {
	var encs []lyEncoder
	for _, it := range items {
		v4 := it.Version == 4
		switch it.Type {
		case laz.ItemPoint14:
			encs = append(encs, &point14Enc{v4: v4})
		case laz.ItemRGB14:
			encs = append(encs, &rgb14Enc{v4: v4})
		case laz.ItemRGBNIR14:
			encs = append(encs, &rgb14Enc{nir: true, v4: v4})
		default:
			encs = append(encs, &byte14Enc{n: int(it.Size), v4: v4})
		}
	}
	out := append([]byte(nil), recs[:recLen]...)
	ctx, off := 0, 0
	for i, it := range items {
		encs[i].first(recs[off:off+int(it.Size)], &ctx)
		off += int(it.Size)
	}
	for p := recLen; p < len(recs); p += recLen {
		ctx = 0
		off := p
		for i, it := range items {
			encs[i].encode(recs[off:off+int(it.Size)], &ctx)
			off += int(it.Size)
		}
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(recs)/recLen))
	var all [][]byte
	for _, e := range encs {
		all = append(all, e.layers()...)
	}
	for _, l := range all {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(l)))
	}
	for _, l := range all {
		out = append(out, l...)
	}
	return out
}

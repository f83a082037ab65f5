package pointcloud

import "encoding/binary"

// Layered (version 3/4) encoders mirroring the decoders of item_v3.go.

type lyEncoder interface {
	first(raw []byte, ctx *int)
	encode(raw []byte, ctx *int)
	layers() [][]byte // finished layers; nil entries are empty
}

type p14EncContext struct {
	last          p14
	lastIntensity [8]uint16
	xMedian       [12]median5
	yMedian       [12]median5
	lastZ         [8]int32

	changed        [8]*symbolModel
	scannerChannel *symbolModel
	numReturns     [16]*symbolModel
	returnNumber   [16]*symbolModel
	returnGPSSame  *symbolModel
	class          [64]*symbolModel
	flags          [64]*symbolModel
	userData       [64]*symbolModel

	icDX, icDY, icZ, icIntensity, icScanAngle, icSourceID *intEncoder
	gps                                                   *gpsEncoder
}

func newP14EncContext(last *p14) *p14EncContext {
	c := &p14EncContext{last: *last, scannerChannel: newSymbolModel(3), returnGPSSame: newSymbolModel(13),
		icDX: newIntEncoder(32, 2), icDY: newIntEncoder(32, 22), icZ: newIntEncoder(32, 20),
		icIntensity: newIntEncoder(16, 4), icScanAngle: newIntEncoder(16, 2), icSourceID: newIntEncoder(16, 1),
		gps: newGPSEncoder(false, last.gps)}
	c.last.gpsChange = false
	for i := range c.changed {
		c.changed[i] = newSymbolModel(128)
	}
	for i := range c.xMedian {
		c.xMedian[i], c.yMedian[i] = newMedian5(), newMedian5()
	}
	for i := range c.lastZ {
		c.lastZ[i], c.lastIntensity[i] = last.z, last.intensity
	}
	return c
}

type point14Enc struct {
	enc     [p14Layers]*arithEncoder
	changed [p14Layers]bool
	ctx     [4]*p14EncContext
	current int
	v4      bool
}

func (p *point14Enc) first(raw []byte, ctx *int) {
	pt := readP14(raw)
	for i := range p.enc {
		p.enc[i] = newArithEncoder()
	}
	p.current = int(pt.channel)
	*ctx = p.current
	p.ctx[p.current] = newP14EncContext(&pt)
}

func (p *point14Enc) encode(raw []byte, ctxOut *int) {
	cur := readP14(raw)
	exy := p.enc[layerXY]
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
	exy.encodeSymbol(modelsCtx.changed[lpr], changed)
	if channelChanged {
		exy.encodeSymbol(modelsCtx.scannerChannel, uint32((ch-p.current+4)%4-1))
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
		exy.encodeSymbol(lazy(&c.numReturns[last.n], 16), uint32(cur.n))
	}
	if changed&3 == 3 {
		if gpsChange {
			exy.encodeSymbol(lazy(&c.returnNumber[last.r], 16), uint32(cur.r))
		} else {
			exy.encodeSymbol(c.returnGPSSame, uint32((int(cur.r)-int(last.r)+16)%16-2))
		}
	}
	n, r := cur.n, cur.r
	m := int(numberReturnMap6ctx[n][r])
	l := numberReturnLevel8ctx[n][r]
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
	c.icDX.encode(exy, c.xMedian[idx].get(), diff, one)
	c.xMedian[idx].add(diff)
	k := c.icDX.k
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	diff = cur.y - last.y
	c.icDY.encode(exy, c.yMedian[idx].get(), diff, ctx)
	c.yMedian[idx].add(diff)

	k = (c.icDX.k + c.icDY.k) / 2
	ctx = one + 18
	if k < 18 {
		ctx = one + k&^1
	}
	c.icZ.encode(p.enc[layerZ], c.lastZ[l], cur.z, ctx)
	c.lastZ[l] = cur.z
	p.changed[layerZ] = p.changed[layerZ] || cur.z != last.z

	ccc := int(last.class&0x1F) << 1
	if cpr == 3 {
		ccc++
	}
	p.enc[layerClass].encodeSymbol(lazy(&c.class[ccc], 256), uint32(cur.class))
	p.changed[layerClass] = p.changed[layerClass] || cur.class != last.class

	lf := last.edge<<5 | last.scanDir<<4 | last.classFlags
	f := cur.edge<<5 | cur.scanDir<<4 | cur.classFlags
	p.enc[layerFlags].encodeSymbol(lazy(&c.flags[lf], 64), uint32(f))
	p.changed[layerFlags] = p.changed[layerFlags] || f != lf

	i := cpr<<1 | uint32(gpsBit)
	c.icIntensity.encode(p.enc[layerIntensity], int32(c.lastIntensity[i]), int32(cur.intensity), cpr)
	c.lastIntensity[i] = cur.intensity
	p.changed[layerIntensity] = p.changed[layerIntensity] || cur.intensity != last.intensity

	if changed&(1<<3) != 0 {
		c.icScanAngle.encode(p.enc[layerScanAngle], int32(last.scanAngle), int32(cur.scanAngle), uint32(gpsBit))
		p.changed[layerScanAngle] = true
	}
	p.enc[layerUserData].encodeSymbol(lazy(&c.userData[last.userData/4], 256), uint32(cur.userData))
	p.changed[layerUserData] = p.changed[layerUserData] || cur.userData != last.userData
	if changed&(1<<5) != 0 {
		c.icSourceID.encode(p.enc[layerSourceID], int32(last.sourceID), int32(cur.sourceID), 0)
		p.changed[layerSourceID] = true
	}
	if gpsChange {
		c.gps.encode(p.enc[layerGPS], cur.gps)
		p.changed[layerGPS] = true
	}
	*last = cur
	last.gpsChange = gpsChange
}

func (p *point14Enc) layers() [][]byte {
	out := make([][]byte, p14Layers)
	for i, e := range p.enc {
		if i == layerXY || p.changed[i] {
			out[i] = e.done()
		}
	}
	return out
}

type rgb14Enc struct {
	nir     bool
	v4      bool
	enc     [2]*arithEncoder
	changed [2]bool
	ctx     [4]*rgb14Context
	current int
}

func (r *rgb14Enc) newContext(last [4]uint16) *rgb14Context {
	return (&rgb14v3{nir: r.nir}).newContext(last)
}

func readRGBNIR(raw []byte, nir bool) [4]uint16 {
	var v [4]uint16
	c := getRGB(raw)
	copy(v[:], c[:])
	if nir {
		v[3] = binary.LittleEndian.Uint16(raw[6:])
	}
	return v
}

func (r *rgb14Enc) first(raw []byte, ctx *int) {
	r.enc = [2]*arithEncoder{newArithEncoder(), newArithEncoder()}
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
		r.enc[1].encodeSymbol(models.nirUsed, sym)
		if sym&1 != 0 {
			r.enc[1].encodeSymbol(models.nirDiff[0], uint32(uint8(cur[3]&0xFF-last&0xFF)))
		}
		if sym&2 != 0 {
			r.enc[1].encodeSymbol(models.nirDiff[1], uint32(uint8(cur[3]>>8-last>>8)))
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
			out[i] = r.enc[i].done()
		}
	}
	return out
}

type byte14Enc struct {
	n       int
	v4      bool
	enc     []*arithEncoder
	changed []bool
	ctx     [4]*byte14Context
	current int
}

func (b *byte14Enc) first(raw []byte, ctx *int) {
	b.enc = make([]*arithEncoder, b.n)
	for i := range b.enc {
		b.enc[i] = newArithEncoder()
	}
	b.changed = make([]bool, b.n)
	b.current = *ctx & 3
	b.ctx[b.current] = &byte14Context{models: make([]*symbolModel, b.n), last: append([]byte(nil), raw...)}
}

func (b *byte14Enc) encode(raw []byte, ctxIn *int) {
	c := b.ctx[b.current]
	if ctx := *ctxIn & 3; ctx != b.current {
		b.current = ctx
		if b.ctx[ctx] == nil {
			b.ctx[ctx] = &byte14Context{models: make([]*symbolModel, b.n), last: append([]byte(nil), c.last...)}
			c = b.ctx[ctx]
		} else if b.v4 {
			c = b.ctx[ctx]
		}
	}
	models := b.ctx[b.current].models
	for i := 0; i < b.n; i++ {
		b.enc[i].encodeSymbol(lazy(&models[i], 256), uint32(raw[i]-c.last[i]))
		b.changed[i] = b.changed[i] || raw[i] != c.last[i]
		c.last[i] = raw[i]
	}
}

func (b *byte14Enc) layers() [][]byte {
	out := make([][]byte, b.n)
	for i := range out {
		if b.changed[i] {
			out[i] = b.enc[i].done()
		}
	}
	return out
}

func encodeLayeredChunk(items []LASzipItem, recLen int, recs []byte) []byte {
	var encs []lyEncoder
	for _, it := range items {
		v4 := it.Version == 4
		switch it.Type {
		case ItemPoint14:
			encs = append(encs, &point14Enc{v4: v4})
		case ItemRGB14:
			encs = append(encs, &rgb14Enc{v4: v4})
		case ItemRGBNIR14:
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

//go:build !purego

#include "textflag.h"

// 0, 1, 2, 3: a block's lanes; then 4 of each: the step to the next.
DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $4
DATA lanes<>+24(SB)/4, $4
DATA lanes<>+28(SB)/4, $4
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// SCORE leaves in Y10 the four candidates' values at SI as float64, or
// jumps to done when one's row p is not within 0 ≤ p ≤ gh-2 (Y14), taken
// unsigned so that a negative row fails too. A candidate's value is
// (1-w)*h0 + w*h1, h0 = bx*col0[p] + ax*col1[p] and h1 the same at p+1:
// Y2 gets col0[p], col0[p+1] of each candidate and Y4 the same of col1,
// which make h0, h1 side by side, and Y8 the weights 1-w, w beside them.
#define SCORE \
	VMOVDQU     (SI), Y5 \
	VPMINUD     Y14, Y5, Y6 \
	VPCMPEQD    Y6, Y5, Y6 \
	VMOVMSKPS   Y6, AX \
	ANDL        $0x55, AX \
	CMPL        AX, $0x55 \
	JNE         done \
	MOVL        0(SI), R8 \
	MOVL        8(SI), R9 \
	MOVL        16(SI), R10 \
	MOVL        24(SI), R11 \
	VMOVQ       (R12)(R8*4), X2 \
	VPINSRQ     $1, (R12)(R9*4), X2, X2 \
	VMOVQ       (R12)(R10*4), X3 \
	VPINSRQ     $1, (R12)(R11*4), X3, X3 \
	VINSERTI128 $1, X3, Y2, Y2 \
	VMOVQ       (R13)(R8*4), X4 \
	VPINSRQ     $1, (R13)(R9*4), X4, X4 \
	VMOVQ       (R13)(R10*4), X7 \
	VPINSRQ     $1, (R13)(R11*4), X7, X7 \
	VINSERTI128 $1, X7, Y4, Y4 \
	VMULPS      Y1, Y2, Y2 \
	VMULPS      Y0, Y4, Y4 \
	VADDPS      Y4, Y2, Y2 \
	VMOVSHDUP   Y5, Y6 \
	VSUBPS      Y6, Y15, Y7 \
	VBLENDPS    $0xaa, Y6, Y7, Y8 \
	VMULPS      Y8, Y2, Y9 \
	VHADDPS     Y9, Y9, Y9 \
	VPERMQ      $0x08, Y9, Y9 \
	VCVTPS2PD   X9, Y10

// NEXTBLOCK moves SI, DI and the lanes' j (X13) to the next block.
#define NEXTBLOCK \
	VPADDD lanes<>+16(SB), X13, X13 \
	ADDQ   $32, SI \
	ADDQ   $32, DI

// func scoreAllAVX2(grad *float32, gradLen, gh int, px *int32, aw *float32, span *[2]int32, cells *leanCell, k, ne int, sum *float64) int
//
// scoreAll's loop over the edges, each edge's candidates four at a time.
// Every candidate gets the scalar loop's float32 operations on the same
// operands, so its products and sums round alike and sum gets the same
// values. It reads up to three cells past the last edge's and three sums
// past k, which the caller provides. An edge whose columns or span fall
// outside grad or sum stops the loop before it is read, and so does a
// block with a row outside the columns (after the edge's blocks before
// it): the edges from it on are left to the caller, whose scalar loop
// then fails on the same row, as it always did.
TEXT ·scoreAllAVX2(SB), NOSPLIT, $0-88
	MOVQ gh+16(FP), R14
	MOVQ ne+64(FP), CX
	XORQ BX, BX
	CMPQ R14, $2
	JLT  done
	MOVL $0x3f800000, AX
	VMOVQ AX, X15
	VPBROADCASTD X15, Y15
	LEAQ -2(R14), AX
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14

edge:
	CMPQ BX, CX
	JGE  done

	// The edge's first column (skipped when off the image) and span.
	MOVQ    px+24(FP), AX
	MOVLQSX (AX)(BX*4), R12
	TESTQ   R12, R12
	JS      next
	MOVQ    span+40(FP), AX
	MOVLQSX (AX)(BX*8), R8
	MOVLQSX 4(AX)(BX*8), R9
	CMPQ    R8, R9
	JEQ     next
	TESTQ   R8, R8
	JS      done
	CMPQ    R9, R8
	JLT     done
	CMPQ    R9, k+56(FP)
	JGT     done
	LEAQ    (R12)(R14*2), AX
	CMPQ    AX, gradLen+8(FP)
	JHI     done

	// R12, R13: its two columns. The candidates go in blocks of four at
	// sum's multiples of four, b the first: each block's sums are read
	// as they were last written, whole, which the CPU forwards from its
	// store; a block straddling two earlier stores would wait for them.
	// The first and last blocks keep the sums of their lanes outside
	// [lo, hi). DI: sum[b]; SI: the edge's cell for b; DX: the blocks.
	MOVQ  grad+0(FP), AX
	LEAQ  (AX)(R12*4), R12
	LEAQ  (R12)(R14*4), R13
	MOVQ  R8, R10
	ANDQ  $-4, R10
	MOVQ  sum+72(FP), DI
	LEAQ  (DI)(R10*8), DI
	MOVQ  k+56(FP), AX
	IMULQ BX, AX
	ADDQ  R10, AX
	MOVQ  cells+48(FP), SI
	LEAQ  (SI)(AX*8), SI
	LEAQ  3(R9), DX
	SUBQ  R10, DX
	SHRQ  $2, DX

	// X11: lo-1; X12: hi; X13: the block's four j.
	LEAQ         -1(R8), AX
	VMOVQ        AX, X11
	VPBROADCASTD X11, X11
	VMOVQ        R9, X12
	VPBROADCASTD X12, X12
	VMOVQ        R10, X13
	VPBROADCASTD X13, X13
	VPADDD       lanes<>(SB), X13, X13

	// X0/Y0: ax; X1/Y1: bx = 1-ax.
	MOVQ         aw+32(FP), AX
	VMOVSS       (AX)(BX*4), X0
	VSUBSS       X0, X15, X1
	VBROADCASTSS X0, Y0
	VBROADCASTSS X1, Y1

	// The first block.
	SCORE
	JMP masked

whole:
	// A block inside [lo, hi).
	SCORE
	VADDPD  (DI), Y10, Y10
	VMOVUPD Y10, (DI)
	NEXTBLOCK
	DECQ    DX

blocks:
	CMPQ DX, $1
	JGT  whole
	JLT  next

	// The last block.
	SCORE

masked:
	// sum[j] += the value of each lane with lo <= j < hi.
	VPCMPGTD  X11, X13, X5
	VPCMPGTD  X13, X12, X6
	VPAND     X6, X5, X5
	VPMOVSXDQ X5, Y5
	VMOVUPD   (DI), Y3
	VADDPD    Y3, Y10, Y10
	VBLENDVPD Y5, Y10, Y3, Y10
	VMOVUPD   Y10, (DI)
	NEXTBLOCK
	DECQ      DX
	JMP       blocks

next:
	INCQ BX
	JMP  edge

done:
	VZEROUPPER
	MOVQ BX, ret+80(FP)
	RET

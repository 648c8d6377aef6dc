;; The SDEdit engine's hottest per-element loops in WebAssembly: the seeded Gaussian draws
;; (src/core/rng.ts: the keyed hash, xoshiro128** and the ziggurat's fast path) and the default
;; sampler's per-step updates (src/core/kernels.ts). JavaScript ran these at 3–8 ns per value on
;; the project's 2-core machines, several per cent of a native edit with model v2
;; (bench/RESULTS.md §16); here they run at a fraction of that.
;;
;; Every function gives the bytes the JavaScript formulas it replaced gave: float arithmetic is
;; done in f64 exactly as JavaScript evaluates it (left to right, no fused multiply-add, which
;; WebAssembly never does), values are read from and stored to f32 as typed arrays do, and the
;; integer hash and generator are the same 32-bit operations. The JavaScript wrappers (rng.ts,
;; kernels.ts) copy their arrays into this module's memory, call one export, and copy the result
;; back (a copy costs ≈ 0.1 ns per value).
;;
;; Memory: ZIG_W (f64 × 256, x = j·W[layer]) at byte 0, ZIG_K (i32 × 256, |j| < K[layer] is on
;; the fast path) at byte 2048, both written by rng.ts; scratch from byte 4096
;; (src/core/wasm/instance.ts). Pointers are byte offsets; counts are numbers of values.
;;
;; Compiled by `npm run wasm` (src/core/wasm/compile.mjs, wabt) into kernels-module.ts;
;; test/core/wasm-kernels.test.ts checks that the committed module is this file's compile.
(module
  (memory (export "memory") 1)

  ;; the xoshiro128** state of the block being drawn
  (global $s0 (mut i32) (i32.const 0))
  (global $s1 (mut i32) (i32.const 0))
  (global $s2 (mut i32) (i32.const 0))
  (global $s3 (mut i32) (i32.const 0))

  ;; ---- the keyed hash (rng.ts mix32 and word) ----

  (func $mix32 (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x7feb352d)))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x846ca68b)))
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))

  ;; word x of the stream keyed (ka, kb): mix32(mix32(mix32(x ^ ka) + kb) ^ ka)
  (func $word (param $x i32) (param $ka i32) (param $kb i32) (result i32)
    (call $mix32
      (i32.xor
        (call $mix32 (i32.add (call $mix32 (i32.xor (local.get $x) (local.get $ka))) (local.get $kb)))
        (local.get $ka))))

  ;; the state ← block b's start: words 4b … 4b+3 of the keyed hash (never all zero)
  (func $seedBlock (param $b i32) (param $ka i32) (param $kb i32)
    (local $c i32)
    (local.set $c (i32.shl (local.get $b) (i32.const 2)))
    (global.set $s0 (call $word (local.get $c) (local.get $ka) (local.get $kb)))
    (global.set $s1 (call $word (i32.add (local.get $c) (i32.const 1)) (local.get $ka) (local.get $kb)))
    (global.set $s2 (call $word (i32.add (local.get $c) (i32.const 2)) (local.get $ka) (local.get $kb)))
    (global.set $s3 (call $word (i32.add (local.get $c) (i32.const 3)) (local.get $ka) (local.get $kb)))
    (if (i32.eqz (i32.or (i32.or (global.get $s0) (global.get $s1)) (i32.or (global.get $s2) (global.get $s3))))
      (then (global.set $s0 (i32.const 1)))))

  ;; the state steps past n words
  (func $skip (param $n i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32)
    (local.set $s0 (global.get $s0)) (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2)) (local.set $s3 (global.get $s3))
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $s0 (local.get $s0)) (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2)) (global.set $s3 (local.get $s3)))

  ;; The next n words as draws number index … index+n−1, into the f32s at out: the ziggurat's
  ;; fast path, x = j·W[layer] (j the word's top 24 bits, signed; layer its low 8). A draw
  ;; outside its layer's rectangle (|j| ≥ K[layer]) is noted as (word, draw number) at
  ;; slow + 8·nslow for rng.ts to settle; returns the new nslow.
  (func $draw (param $out i32) (param $n i32) (param $index i32) (param $slow i32) (param $nslow i32) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $i i32) (local $m i32) (local $w i32) (local $t i32) (local $j i32) (local $layer i32) (local $p i32)
    (local.set $s0 (global.get $s0)) (local.set $s1 (global.get $s1))
    (local.set $s2 (global.get $s2)) (local.set $s3 (global.get $s3))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        ;; xoshiro128**: the word is rotl(s1·5, 7)·9, then the state steps
        (local.set $m (i32.mul (local.get $s1) (i32.const 5)))
        (local.set $w (i32.mul (i32.rotl (local.get $m) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $j (i32.shr_s (local.get $w) (i32.const 8)))
        (local.set $layer (i32.and (local.get $w) (i32.const 255)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64 (f64.mul (f64.convert_i32_s (local.get $j)) (f64.load (i32.shl (local.get $layer) (i32.const 3))))))
        ;; |j| ≥ K[layer]: rare (1.5%), so a branch costs less here than noting every draw
        (if (i32.ge_s
              (select (i32.sub (i32.const 0) (local.get $j)) (local.get $j) (i32.lt_s (local.get $j) (i32.const 0)))
              (i32.load (i32.add (i32.const 2048) (i32.shl (local.get $layer) (i32.const 2)))))
          (then
            (local.set $p (i32.add (local.get $slow) (i32.shl (local.get $nslow) (i32.const 3))))
            (i32.store (local.get $p) (local.get $w))
            (i32.store offset=4 (local.get $p) (i32.add (local.get $index) (local.get $i)))
            (local.set $nslow (i32.add (local.get $nslow) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $s0 (local.get $s0)) (global.set $s1 (local.get $s1))
    (global.set $s2 (local.get $s2)) (global.set $s3 (local.get $s3))
    (local.get $nslow))

  ;; Draws first … first+count−1 (first a multiple of 1024) of the stream keyed (ka, kb) into
  ;; the f32s at out (draw i at out + 4(i − first)), in blocks of 1024 draws, block b run by
  ;; xoshiro128** from seedBlock(b). Returns the number of slow draws noted at slow (room for
  ;; count of them).
  (func (export "normals") (param $ka i32) (param $kb i32) (param $out i32) (param $first i32) (param $count i32) (param $slow i32) (result i32)
    (local $base i32) (local $stop i32) (local $nslow i32) (local $n i32)
    (local.set $base (local.get $first))
    (local.set $stop (i32.add (local.get $first) (local.get $count)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $base) (local.get $stop)))
        (call $seedBlock (i32.shr_u (local.get $base) (i32.const 10)) (local.get $ka) (local.get $kb))
        (local.set $n (i32.sub (local.get $stop) (local.get $base)))
        (if (i32.gt_s (local.get $n) (i32.const 1024)) (then (local.set $n (i32.const 1024))))
        (local.set $nslow
          (call $draw (i32.add (local.get $out) (i32.shl (i32.sub (local.get $base) (local.get $first)) (i32.const 2)))
            (local.get $n) (local.get $base) (local.get $slow) (local.get $nslow)))
        (local.set $base (i32.add (local.get $base) (i32.const 1024)))
        (br $next)))
    (local.get $nslow))

  ;; The draws i in each [lo, hi) pair of the i32 pairs at ranges (ascending, checked by rng.ts)
  ;; into out + 4(i − first), every other f32 at out left as it is; a range starting inside a
  ;; block steps past the block's words before it. Returns the number of slow draws noted at slow.
  (func (export "normalRanges") (param $ka i32) (param $kb i32) (param $out i32) (param $first i32) (param $ranges i32) (param $pairs i32) (param $slow i32) (result i32)
    (local $r i32) (local $i i32) (local $hi i32) (local $b i32) (local $block i32) (local $pos i32) (local $end i32) (local $nslow i32)
    (local.set $block (i32.const -1))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_s (local.get $r) (local.get $pairs)))
        (local.set $i (i32.load (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $hi (i32.load offset=4 (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))))
        (block $rangeDone
          (loop $inRange
            (br_if $rangeDone (i32.ge_s (local.get $i) (local.get $hi)))
            (local.set $b (i32.shr_u (local.get $i) (i32.const 10)))
            (if (i32.ne (local.get $b) (local.get $block))
              (then
                (call $seedBlock (local.get $b) (local.get $ka) (local.get $kb))
                (local.set $block (local.get $b))
                (local.set $pos (i32.shl (local.get $b) (i32.const 10)))))
            (call $skip (i32.sub (local.get $i) (local.get $pos)))
            (local.set $end (i32.shl (i32.add (local.get $b) (i32.const 1)) (i32.const 10)))
            (if (i32.lt_s (local.get $hi) (local.get $end)) (then (local.set $end (local.get $hi))))
            (local.set $nslow
              (call $draw (i32.add (local.get $out) (i32.shl (i32.sub (local.get $i) (local.get $first)) (i32.const 2)))
                (i32.sub (local.get $end) (local.get $i)) (local.get $i) (local.get $slow) (local.get $nslow)))
            (local.set $i (local.get $end))
            (local.set $pos (local.get $end))
            (br $inRange)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $pair)))
    (local.get $nslow))

  ;; ---- the sampler's per-step loops (kernels.ts) ----

  ;; x ← signal·g + noise·z over values [0, n) (noiseTo), two at a time in f64x2 lanes
  (func (export "noiseTo") (param $x i32) (param $g i32) (param $z i32) (param $n i32) (param $signal f64) (param $noise f64)
    (call $affine (local.get $x) (local.get $g) (local.get $z) (local.get $n) (local.get $signal) (local.get $noise) (i32.const 1)))

  ;; dst ← signal·g (+ noise·z when withNoise) over n values, two at a time in f64x2 lanes, then one
  (func $affine (param $dst i32) (param $g i32) (param $z i32) (param $n i32) (param $signal f64) (param $noise f64) (param $withNoise i32)
    (local $k i32) (local $end2 i32) (local $end i32) (local $vs v128) (local $vn v128) (local $v v128) (local $w f64)
    (local.set $vs (f64x2.splat (local.get $signal)))
    (local.set $vn (f64x2.splat (local.get $noise)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end2 (i32.and (local.get $end) (i32.const -8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end2)))
        (local.set $v (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $k))))))
        (if (local.get $withNoise)
          (then (local.set $v (f64x2.add (local.get $v)
            (f64x2.mul (local.get $vn) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $z) (local.get $k)))))))))
        (v128.store64_lane 0 (i32.add (local.get $dst) (local.get $k)) (f32x4.demote_f64x2_zero (local.get $v)))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $next)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $w (f64.mul (local.get $signal) (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $k))))))
        (if (local.get $withNoise)
          (then (local.set $w (f64.add (local.get $w) (f64.mul (local.get $noise) (f64.promote_f32 (f32.load (i32.add (local.get $z) (local.get $k)))))))))
        (f32.store (i32.add (local.get $dst) (local.get $k)) (f32.demote_f64 (local.get $w)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tail))))

  ;; dst[k] ← signal·g[k] (+ noise·z[k] when withNoise) for k in each [lo, hi) pair of the i32
  ;; pairs at ranges, value k at byte 4(k − first) of dst, g and z (noisedKeptRuns)
  (func (export "noisedRanges") (param $dst i32) (param $g i32) (param $z i32) (param $first i32) (param $ranges i32) (param $pairs i32)
                               (param $signal f64) (param $noise f64) (param $withNoise i32)
    (local $r i32) (local $lo i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $r) (local.get $pairs)))
        (local.set $lo (i32.load (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $at (i32.shl (i32.sub (local.get $lo) (local.get $first)) (i32.const 2)))
        (call $affine
          (i32.add (local.get $dst) (local.get $at)) (i32.add (local.get $g) (local.get $at)) (i32.add (local.get $z) (local.get $at))
          (i32.sub (i32.load offset=4 (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))) (local.get $lo))
          (local.get $signal) (local.get $noise) (local.get $withNoise))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; dst[k] ← src[k] for k in each [lo, hi) pair of the i32 pairs at ranges, value k at byte
  ;; 4(k − first) of both (blendKeptFrom)
  (func (export "copyRanges") (param $dst i32) (param $src i32) (param $first i32) (param $ranges i32) (param $pairs i32)
    (local $r i32) (local $lo i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $r) (local.get $pairs)))
        (local.set $lo (i32.load (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $at (i32.shl (i32.sub (local.get $lo) (local.get $first)) (i32.const 2)))
        (memory.copy
          (i32.add (local.get $dst) (local.get $at))
          (i32.add (local.get $src) (local.get $at))
          (i32.shl (i32.sub (i32.load offset=4 (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))) (local.get $lo)) (i32.const 2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; One DPM-Solver++(2M) step over n values (multistepUpdate):
  ;;   d0 ← (x − sigma·ε)·inv;  x ← a·x + b0·d0 (+ b1·d1 when withPrev);
  ;;   with noise, the update is rounded to f32 and then x ← x + s·z.
  ;; Two values at a time in f64x2 lanes (the same f64 operations as one at a time), then one.
  (func $multistep (param $x i32) (param $eps i32) (param $d0 i32) (param $d1 i32) (param $z i32) (param $n i32)
                            (param $a f64) (param $b0 f64) (param $b1 f64) (param $s f64) (param $sigma f64) (param $inv f64)
                            (param $withPrev i32) (param $withNoise i32)
    (local $k i32) (local $end2 i32) (local $end i32)
    (local $va v128) (local $vb0 v128) (local $vb1 v128) (local $vs v128) (local $vsigma v128) (local $vinv v128)
    (local $xv v128) (local $d v128) (local $v v128)
    (local $xs f64) (local $ds f32) (local $vv f64)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vb0 (f64x2.splat (local.get $b0)))
    (local.set $vb1 (f64x2.splat (local.get $b1)))
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $vsigma (f64x2.splat (local.get $sigma)))
    (local.set $vinv (f64x2.splat (local.get $inv)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end2 (i32.and (local.get $end) (i32.const -8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end2)))
        (local.set $xv (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $k)))))
        (local.set $d
          (f32x4.demote_f64x2_zero
            (f64x2.mul
              (f64x2.sub (local.get $xv) (f64x2.mul (local.get $vsigma) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $eps) (local.get $k))))))
              (local.get $vinv))))
        (v128.store64_lane 0 (i32.add (local.get $d0) (local.get $k)) (local.get $d))
        (local.set $v (f64x2.add (f64x2.mul (local.get $va) (local.get $xv)) (f64x2.mul (local.get $vb0) (f64x2.promote_low_f32x4 (local.get $d)))))
        (if (local.get $withPrev)
          (then
            (local.set $v (f64x2.add (local.get $v)
              (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $d1) (local.get $k)))))))))
        (if (local.get $withNoise)
          (then
            (local.set $v
              (f64x2.add
                (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $v)))
                (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $z) (local.get $k)))))))))
        (v128.store64_lane 0 (i32.add (local.get $x) (local.get $k)) (f32x4.demote_f64x2_zero (local.get $v)))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $next)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $xs (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $k)))))
        (local.set $ds
          (f32.demote_f64
            (f64.mul
              (f64.sub (local.get $xs) (f64.mul (local.get $sigma) (f64.promote_f32 (f32.load (i32.add (local.get $eps) (local.get $k))))))
              (local.get $inv))))
        (f32.store (i32.add (local.get $d0) (local.get $k)) (local.get $ds))
        (local.set $vv (f64.add (f64.mul (local.get $a) (local.get $xs)) (f64.mul (local.get $b0) (f64.promote_f32 (local.get $ds)))))
        (if (local.get $withPrev)
          (then (local.set $vv (f64.add (local.get $vv) (f64.mul (local.get $b1) (f64.promote_f32 (f32.load (i32.add (local.get $d1) (local.get $k)))))))))
        (if (local.get $withNoise)
          (then
            (local.set $vv
              (f64.add
                (f64.promote_f32 (f32.demote_f64 (local.get $vv)))
                (f64.mul (local.get $s) (f64.promote_f32 (f32.load (i32.add (local.get $z) (local.get $k)))))))))
        (f32.store (i32.add (local.get $x) (local.get $k)) (f32.demote_f64 (local.get $vv)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tail))))

  ;; multistep over the values k of each [lo, hi) pair of the i32 pairs at ranges, value k at
  ;; byte 4(k − first) of each array
  (func (export "multistepRanges") (param $x i32) (param $eps i32) (param $d0 i32) (param $d1 i32) (param $z i32) (param $first i32) (param $ranges i32) (param $pairs i32)
                                  (param $a f64) (param $b0 f64) (param $b1 f64) (param $s f64) (param $sigma f64) (param $inv f64)
                                  (param $withPrev i32) (param $withNoise i32)
    (local $r i32) (local $lo i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $r) (local.get $pairs)))
        (local.set $lo (i32.load (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $at (i32.shl (i32.sub (local.get $lo) (local.get $first)) (i32.const 2)))
        (call $multistep
          (i32.add (local.get $x) (local.get $at)) (i32.add (local.get $eps) (local.get $at)) (i32.add (local.get $d0) (local.get $at))
          (i32.add (local.get $d1) (local.get $at)) (i32.add (local.get $z) (local.get $at))
          (i32.sub (i32.load offset=4 (i32.add (local.get $ranges) (i32.shl (local.get $r) (i32.const 3)))) (local.get $lo))
          (local.get $a) (local.get $b0) (local.get $b1) (local.get $s) (local.get $sigma) (local.get $inv) (local.get $withPrev) (local.get $withNoise))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; The index of the first of n f32s at p that is NaN or ±Inf (exponent bits all ones), or −1;
  ;; four at a time (firstNonFinite)
  (func (export "firstNonFinite") (param $p i32) (param $n i32) (result i32)
    (local $k i32) (local $end4 i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
        (br_if $done
          (v128.any_true
            (i32x4.eq
              (v128.and (v128.load (i32.add (local.get $p) (local.get $k))) (i32x4.splat (i32.const 0x7f800000)))
              (i32x4.splat (i32.const 0x7f800000)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    ;; the group of four that holds one, or the tail, value by value
    (block $found
      (loop $each
        (br_if $found (i32.ge_u (local.get $k) (local.get $end)))
        (if (i32.eq
              (i32.and (i32.load (i32.add (local.get $p) (local.get $k))) (i32.const 0x7f800000))
              (i32.const 0x7f800000))
          (then (return (i32.shr_u (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $each)))
    (i32.const -1))

  ;; dst ← clip(src, −1, 1) over n values on the f32 bit patterns, four at a time (copyClipped:
  ;; sign | min(magnitude, bits of 1.0), NaN kept); dst may be src
  (func (export "clip") (param $dst i32) (param $src i32) (param $n i32)
    (local $k i32) (local $end4 i32) (local $end i32) (local $v v128) (local $mag v128) (local $d v128) (local $lim v128) (local $nan v128)
    (local $sv i32) (local $smag i32) (local $sd i32) (local $slim i32) (local $snan i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
        (local.set $v (v128.load (i32.add (local.get $src) (local.get $k))))
        (local.set $mag (v128.and (local.get $v) (i32x4.splat (i32.const 0x7fffffff))))
        (local.set $d (i32x4.sub (local.get $mag) (i32x4.splat (i32.const 0x3f800000))))
        (local.set $lim (i32x4.add (i32x4.splat (i32.const 0x3f800000)) (v128.and (local.get $d) (i32x4.shr_s (local.get $d) (i32.const 31)))))
        (local.set $nan (i32x4.shr_s (i32x4.sub (i32x4.splat (i32.const 0x7f800000)) (local.get $mag)) (i32.const 31)))
        (v128.store (i32.add (local.get $dst) (local.get $k))
          (v128.or
            (v128.or (v128.and (local.get $v) (i32x4.splat (i32.const 0x80000000))) (v128.and (local.get $mag) (local.get $nan)))
            (v128.andnot (local.get $lim) (local.get $nan))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $sv (i32.load (i32.add (local.get $src) (local.get $k))))
        (local.set $smag (i32.and (local.get $sv) (i32.const 0x7fffffff)))
        (local.set $sd (i32.sub (local.get $smag) (i32.const 0x3f800000)))
        (local.set $slim (i32.add (i32.const 0x3f800000) (i32.and (local.get $sd) (i32.shr_s (local.get $sd) (i32.const 31)))))
        (local.set $snan (i32.shr_s (i32.sub (i32.const 0x7f800000) (local.get $smag)) (i32.const 31)))
        (i32.store (i32.add (local.get $dst) (local.get $k))
          (i32.or
            (i32.or (i32.and (local.get $sv) (i32.const 0x80000000)) (i32.and (local.get $smag) (local.get $snan)))
            (i32.and (local.get $slim) (i32.xor (local.get $snan) (i32.const -1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tail))))
)

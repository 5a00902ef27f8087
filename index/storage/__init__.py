"""Storage stage: the on-disk index, written atomically and loaded with checksums.

store.py      the build folders, the live pointer, loading and validation
vectors.py    the FAISS index of chunk vectors (exact, or IVF with calibrated nprobe)
checksums.py  sha256 of files (index parts and model weights)
"""

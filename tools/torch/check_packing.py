"""Checks train.py's packed next-item layout against the bare prompts it stands for: every </s> and
item state of a packed row, and the first-step logits of every target's decoder row, must equal
those of the bare prompt [soft prompt ; user ; items up to it ; </s>] on the causal encoder (the
form the app and the evaluator run). Exits 1 if they differ by more than 1e-5.

    /usr/bin/python3 tools/torch/check_packing.py
"""
import os
import sys, torch, numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T
from peapod_t5 import PeapodT5, init_t5_, MASKED
cfg={'t5':{'vocabSize':40,'dModel':16,'dKv':4,'numHeads':4,'dFf':32,'numEncoderLayers':2,'numDecoderLayers':2,'feedForward':'relu','relativeAttentionNumBuckets':8,'relativeAttentionMaxDistance':20,'tieWordEmbeddings':True,'dropoutRate':0.0,'layerNormEpsilon':1e-6,'padTokenId':0,'eosTokenId':1,'wholeWordVocab':0},'composer':{'cfDim':8,'numNeighbours':3,'numHeads':2,'promptLength':2,'taskPrompts':True,'collaborative':True},'tasks':['sequential','topn'],'idScheme':'atomic','causalTasks':['sequential']}
m=PeapodT5.from_config(cfg); init_t5_(m,3); m.eval()
P=4
rows=[[2,5,1,9,1,30,1,7,1],[2,11,1,12,1]]
ids,mask=T.pad_rows(rows,0)
pos,allowed=T.packed_structure(rows,P,1)
user=torch.randn(2,8); nb=torch.randn(2,3,8)
with torch.no_grad():
  H,_,_=m.encode('sequential',ids,mask,user,nb,structure=(pos,allowed))
  worst=0
  for r,row in enumerate(rows):
    items=row[1::2]
    for k in range(len(items)):
      bare=[2]+items[:k+1]+[1]
      h,msk,_=m.encode('sequential',torch.tensor([bare]),torch.ones(1,len(bare)),user[r:r+1],nb[r:r+1])
      eos_idx=P+2+2*k
      worst=max(worst,(h[0,-1]-H[r,eos_idx]).abs().max().item())  # </s> state
      worst=max(worst,(h[0,-2]-H[r,eos_idx-1]).abs().max().item())  # item state
      # decoder first-step logits through the packed cross mask == bare prompt
      cb=torch.where(allowed[r,eos_idx],0.0,MASKED)[None,None,None,:]
      l1=m.logits(m.decode(torch.tensor([[0]]),H[r:r+1],cb))[0,0]
      l2=m.logits(m.decode(torch.tensor([[0]]),h,((1-msk)*MASKED)[:,None,None,:]))[0,0]
      worst=max(worst,(l1-l2).abs().max().item())
print(f'packed vs bare prompts: max abs difference {worst:.2e}')
sys.exit(0 if worst < 1e-5 else 1)

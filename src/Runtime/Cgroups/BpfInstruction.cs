using System.Buffers.Binary;

namespace Rlrun.Runtime.Cgroups;

/// <summary>One eBPF instruction (struct bpf_insn), with the few opcodes a device filter needs.
/// Compares are JMP32: major and minor are u32, and a 64-bit JMP would sign-extend the immediate,
/// so a number of 2^31 or more could never match.</summary>
public readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Offset, int Imm)
{
    public const byte LoadWord = 0x61;   // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
    public const byte And32 = 0x54;      // BPF_ALU | BPF_AND | BPF_K: dst &= imm
    public const byte Rsh32 = 0x74;      // BPF_ALU | BPF_RSH | BPF_K: dst >>= imm
    public const byte Mov32Reg = 0xbc;   // BPF_ALU | BPF_MOV | BPF_X: dst = src
    public const byte Mov64 = 0xb7;      // BPF_ALU64 | BPF_MOV | BPF_K: dst = imm
    public const byte JumpEq32 = 0x16;   // BPF_JMP32 | BPF_JEQ | BPF_K: if dst == imm goto pc+1+off
    public const byte JumpNe32 = 0x56;   // BPF_JMP32 | BPF_JNE | BPF_K: if dst != imm goto pc+1+off
    public const byte Exit = 0x95;       // BPF_JMP | BPF_EXIT: return r0

    public const int Size = 8;

    public bool IsJump => Code is JumpEq32 or JumpNe32;

    public static BpfInstruction Load(byte dst, byte src, short offset) => new(LoadWord, dst, src, offset, 0);
    public static BpfInstruction Alu(byte code, byte dst, int imm) => new(code, dst, 0, 0, imm);
    public static BpfInstruction MovReg(byte dst, byte src) => new(Mov32Reg, dst, src, 0, 0);
    public static BpfInstruction Jump(byte code, byte dst, int imm, short offset = 0) => new(code, dst, 0, offset, imm);
    public static BpfInstruction Return(int value) => new(Mov64, 0, 0, 0, value);
    public static readonly BpfInstruction ExitInsn = new(Exit, 0, 0, 0, 0);

    /// <summary>The program as the kernel takes it: 8 bytes an instruction, little-endian, dst in the
    /// low nibble of the register byte (x86_64 is little-endian).</summary>
    public static byte[] Encode(IReadOnlyList<BpfInstruction> program)
    {
        var bytes = new byte[program.Count * Size];
        for (int i = 0; i < program.Count; i++)
        {
            var insn = program[i];
            var b = bytes.AsSpan(i * Size, Size);
            b[0] = insn.Code;
            b[1] = (byte)((insn.Src << 4) | (insn.Dst & 0xf));
            BinaryPrimitives.WriteInt16LittleEndian(b[2..], insn.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(b[4..], insn.Imm);
        }
        return bytes;
    }
}
